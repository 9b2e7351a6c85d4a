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
