package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/config"
)

func TestDiffExitStatus(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "default.yaml")
	require.NoError(t, os.WriteFile(def, config.DefaultYAML(), 0o644))
	// The same records in another order of keys and comments: no change.
	reordered := filepath.Join(dir, "same.yaml")
	require.NoError(t, os.WriteFile(reordered, []byte("# the default, without comments\n"+string(config.DefaultYAML())), 0o644))

	out, _, code := mailflow(t, "diff", def, reordered)
	assert.Equal(t, 0, code)
	assert.Equal(t, "no changes\n", out)

	out, _, code = mailflow(t, "diff", def, "testdata/diff/subtree.yaml")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "outbound *.contoso.com (names no deeper pattern covers)")
	assert.Contains(t, out, "- Connector 3 via mail.contoso.com\n           + default routing (MX)")
	assert.Contains(t, out, `+OutboundConnectors: {"ConnectorSource":"Default","ConnectorType":"OnPremises","Enabled":true,"Name":"Connector 3","RecipientDomains":["*.sales.contoso.com"]`)

	_, stderr, code := mailflow(t, "diff", def, "testdata/no-such.yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no such file or directory")
	_, stderr, code = mailflow(t, "diff", def)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "give two configurations")
}

func TestDiffJSON(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "default.yaml")
	require.NoError(t, os.WriteFile(def, config.DefaultYAML(), 0o644))
	out, _, code := mailflow(t, "diff", "--json", def, "testdata/diff/new.yaml")
	require.Equal(t, 1, code, out)
	var got diffJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, []string{"contoso"}, got.ChangedTenants)
	require.NotEmpty(t, got.Changes)
	// Most impactful first: everything else, then the subtrees.
	assert.Equal(t, "everything else", got.Changes[0].Region)
	assert.Equal(t, "Everything via relay.example.net", got.Changes[0].New)
	var inbound bool
	for _, c := range got.Changes {
		if c.Direction == "inbound" && c.Region == "from 198.51.100.0-198.51.100.255, cert none, sender contoso.com, TLS none, recipient fabrikam.com" {
			inbound = true
			assert.Equal(t, "deliver 250 2.1.5 Recipient OK", c.Old)
			assert.Equal(t, "relay 250 2.1.5 Recipient OK", c.New)
		}
	}
	assert.True(t, inbound, "the new IP connector's range is reported: %+v", got.Changes)
	assert.Contains(t, got.RecordDiff, `-AcceptedDomains: {"Name":"fabrikam.com","Type":"Authoritative"}`)
}
