package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGenWorld: what gen-world writes loads with --config, in every format,
// as one file; the same seed writes the same bytes, another seed another
// world; the world of 20 tenants starts the world of 40.
func TestGenWorld(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"yaml", "json", "json-compact"} {
		path := filepath.Join(dir, "w-"+format+".txt")
		_, stderr, code := mailflow(t, "gen-world", "40", "--format", format, "-o", path)
		require.Equal(t, 0, code, stderr)
		out, stderr, code := mailflow(t, "route", "--config", path, "--tenant", "t0", "someone@example.com")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "example.com", format)
		out, stderr, code = mailflow(t, "lint", "--config", path, "--json")
		require.Contains(t, []int{0, 1}, code, stderr)
		assert.NotEmpty(t, out, format)
	}
	a, _, _ := mailflow(t, "gen-world", "40")
	b, _, _ := mailflow(t, "gen-world", "40")
	assert.Equal(t, a, b, "same seed, same world")
	c, _, _ := mailflow(t, "gen-world", "40", "--seed", "7")
	assert.NotEqual(t, a, c, "another seed, another world")
	small, _, _ := mailflow(t, "gen-world", "20")
	// YAML has no closing bracket: the text of 20 tenants is a prefix.
	assert.True(t, strings.HasPrefix(a, small), "the world of 20 begins the world of 40")

	empty := filepath.Join(dir, "empty.yaml")
	_, stderr, code := mailflow(t, "gen-world", "0", "-o", empty)
	require.Equal(t, 0, code, stderr)
	text, err := os.ReadFile(empty)
	require.NoError(t, err)
	assert.Equal(t, "Tenants: []\n", string(text))
}

// TestGenWorldSplit: --split writes one file per tenant, and the directory
// loads with --config DIR as the single file does.
func TestGenWorldSplit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "world")
	_, stderr, code := mailflow(t, "gen-world", "12", "--split", "-o", dir)
	require.Equal(t, 0, code, stderr)
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, files, 12)
	one := filepath.Join(t.TempDir(), "world.yaml")
	_, stderr, code = mailflow(t, "gen-world", "12", "-o", one)
	require.Equal(t, 0, code, stderr)
	a, stderr, code := mailflow(t, "route", "--config", dir, "--json", "x@tailspin0.com", "y@adatum1.com")
	require.Equal(t, 0, code, stderr)
	b, _, _ := mailflow(t, "route", "--config", one, "--json", "x@tailspin0.com", "y@adatum1.com")
	assert.Equal(t, b, a)
}

func TestGenWorldUsage(t *testing.T) {
	for _, args := range [][]string{
		{"gen-world"},
		{"gen-world", "ten"},
		{"gen-world", "-5"},
		{"gen-world", "5", "--format", "toml"},
		{"gen-world", "5", "--split"},
		{"gen-world", "5", "6"},
	} {
		_, stderr, code := mailflow(t, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
		assert.Contains(t, stderr, "mailflow gen-world", args)
	}
}
