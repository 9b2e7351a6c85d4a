package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadDir: a directory of per-tenant files loads as one
// configuration; errors name the file and line they come from, and the
// ownership rule holds across files.
func TestLoadDir(t *testing.T) {
	write := func(dir, name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	dir := t.TempDir()
	write(dir, "a.yaml", "Tenants:\n  - Id: contoso\n    AcceptedDomains: [{ DomainName: contoso.com }]\n")
	write(dir, "b.json", `{"Tenants": [{"Id": "fabrikam", "AcceptedDomains": [{"DomainName": "fabrikam.com"}]}]}`)
	write(dir, "notes.txt", "not read")
	c, err := Load(dir)
	require.NoError(t, err)
	assert.Len(t, c.Tenants, 2)
	assert.Equal(t, []string{"contoso", "fabrikam"}, c.Directory().Tenants())

	// A name owned twice, across files: at the second file's line, with
	// the first file's in Related.
	write(dir, "c.yaml", "Tenants:\n  - Id: other\n    AcceptedDomains:\n      - { DomainName: x.example }\n      - { DomainName: contoso.com }\n")
	_, err = Load(dir)
	var list ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	require.Len(t, list, 1, "%v", err)
	assert.Equal(t, filepath.Join(dir, "c.yaml"), list[0].File)
	assert.Equal(t, 5, list[0].Line)
	assert.Equal(t, "Tenants[0].AcceptedDomains[1].DomainName", list[0].Path)
	require.Len(t, list[0].Related, 1)
	assert.Equal(t, filepath.Join(dir, "a.yaml"), list[0].Related[0].File)

	// A decoding error names its file; a syntax error in another is
	// reported too.
	write(dir, "c.yaml", "Tenants:\n  - Id: other\n    AcceptedDomain: []\n")
	write(dir, "d.yaml", "Tenants: [\n")
	_, err = Load(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "d.yaml")+":")
	assert.Contains(t, err.Error(), "syntax error")

	empty := t.TempDir()
	_, err = Load(empty)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "no configuration files"), err.Error())
}
