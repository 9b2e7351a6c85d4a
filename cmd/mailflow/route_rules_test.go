package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRouteTransportRules(t *testing.T) {
	stdout, _, code := mailflow(t, "route", "--config", "testdata/rules.yaml", "bob@fabrikam.com", "ann@contoso.com")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "bob@fabrikam.com  rule 'Route to Partner' (priority 0): RecipientDomainIs fabrikam.com → connector 'Partner via TLS' (overrides the recipient-domain choice")
	assert.Contains(t, stdout, "ann@contoso.com   only if SentToMemberOf sales@contoso.com (unknown: group membership")
	assert.Contains(t, stdout, "; otherwise no connector: default routing")

	stdout, _, code = mailflow(t, "route", "--config", "testdata/rules.yaml", "--json", "bob@fabrikam.com")
	require.Equal(t, 0, code)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &m))
	assert.Equal(t, "Partner via TLS", m["connector"])
	assert.Equal(t, "transport-rule", m["rule"])
	assert.Equal(t, "Route to Partner", m["transport_rule"])

	_, stderr, code := mailflow(t, "route", "--config", "testdata/rules.yaml", "--client-ip", "nope", "bob@fabrikam.com")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--client-ip")
}
