package attribution_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

// TestLintGatewayRuleScoped: a rule-scoped OnPremises outbound connector
// (the seed's "mail flow rules or domain names" choice, and graph2otel's
// live export) carries no mail by recipient domain, so it does not make
// the tenant one-way hybrid.
func TestLintGatewayRuleScoped(t *testing.T) {
	cfg, err := config.Load("testdata/lint/gateway-rule-scoped.yaml")
	require.NoError(t, err)
	for _, f := range attribution.Lint(cfg.Directory()) {
		assert.NotEqual(t, attribution.CodeOneWayHybrid, f.Code, "%v", f)
	}
}

func lintFile(t *testing.T, path string) []attribution.Finding {
	t.Helper()
	cfg, err := config.Load(path)
	require.NoError(t, err)
	return attribution.Lint(cfg.Directory())
}

// TestLintPartnerRestrictsAllSenders: restricting SenderDomains * rejects
// everyone's mail from elsewhere; restricting the partner's own domain is
// the documented design and is clean.
func TestLintPartnerRestrictsAllSenders(t *testing.T) {
	fs := lintFile(t, "testdata/lint/partner-restricted.yaml")
	require.Len(t, fs, 1, "%v", fs)
	assert.Equal(t, attribution.CodePartnerRestrictsAllSenders, fs[0].Code)
	assert.Equal(t, attribution.SeverityError, fs[0].Severity)
	assert.Equal(t, "Woodgrove restricted", fs[0].Connector)
	assert.Contains(t, fs[0].Message, "5.7.51")
	assert.Empty(t, lintFile(t, "testdata/lint/partner-restricted-clean.yaml"))
}
