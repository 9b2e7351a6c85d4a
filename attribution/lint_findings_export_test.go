package attribution_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/connector"
)

// lintWith loads a configuration under testdata/lint (its connectors
// imported from exports/, real-shaped Get-*Connector | ConvertTo-Json
// output) and lints it.
func lintWith(t *testing.T, name string, opts ...connector.Option) []attribution.Finding {
	t.Helper()
	cfg, err := config.Load("testdata/lint/"+name, opts...)
	require.NoError(t, err)
	return attribution.Lint(cfg.Directory())
}

// want is one finding a test expects: its code, severity and connector,
// and words its message must hold.
type want struct {
	code      string
	severity  attribution.Severity
	connector string
	words     []string
}

func findCode(fs []attribution.Finding, code, conn string) *attribution.Finding {
	for i := range fs {
		if fs[i].Code == code && fs[i].Connector == conn {
			return &fs[i]
		}
	}
	return nil
}

// TestLintExportFindings: each new finding, from an export that has the
// mistake, and the documented clean design beside it, which must not
// have it (nor any other warning or error).
func TestLintExportFindings(t *testing.T) {
	listed := connector.WithPrecedence(connector.ListedOrder)
	tests := []struct {
		name, file string
		opts       []connector.Option
		want       []want
		clean      string // the documented design without the mistake
	}{
		{"catch-all-to-onpremises", "catch-all-onprem.yaml", nil, []want{
			{attribution.CodeCatchAllToOnPremises, attribution.SeverityError, "To contoso on-premises", []string{"all internet mail", "mail.contoso.com", "RouteAllMessagesViaOnPremises $true", "8739"}},
			// The same breach as a write rule, named too (stored state).
			{attribution.CodeStoredStateViolatesWriteRule, attribution.SeverityWarning, "To contoso on-premises", []string{"RecipientDomains[0]"}},
		}, "centralized-clean.yaml"},
		{"catch-all-to-partner", "catch-all-partner.yaml", nil, []want{
			{attribution.CodeCatchAllToPartner, attribution.SeverityWarning, "To Woodgrove", []string{"all internet mail", "mx.woodgrovebank.com"}},
		}, "partner-outbound-clean.yaml"},
		{"catch-all-shadows-accepted-domain", "catch-all-partner.yaml", nil, []want{
			// legacy.contoso.com is InternalRelay: its unknown recipients
			// belong on the tenant's servers, so this is an error.
			{attribution.CodeCatchAllShadowsAccepted, attribution.SeverityError, "To Woodgrove", []string{"contoso.com, contoso.onmicrosoft.com, legacy.contoso.com", "InternalRelay", "mx.woodgrovebank.com"}},
		}, "partner-outbound-clean.yaml"},
		{"all-accepted-domains-to-partner", "all-accepted-partner.yaml", nil, []want{
			{attribution.CodeAllAcceptedToPartner, attribution.SeverityError, "To Woodgrove", []string{"contoso.com, contoso.onmicrosoft.com", "mx.woodgrovebank.com"}},
		}, "partner-outbound-clean.yaml"},
		{"connector-never-selected", "never-selected.yaml", nil, []want{
			{attribution.CodeConnectorNeverSelected, attribution.SeverityWarning, "To on-premises", []string{"contoso.com → To contoso.com (exact contoso.com)", "contoso.onmicrosoft.com → To onmicrosoft (exact contoso.onmicrosoft.com)"}},
		}, "partner-outbound-clean.yaml"},
		{"connector-never-selected/partner", "never-selected-partner.yaml", []connector.Option{listed}, []want{
			{attribution.CodeConnectorNeverSelected, attribution.SeverityWarning, "To Fabrikam", []string{"listed-order", "fabrikam.com → To on-premises (all-accepted *.fabrikam.com)", "names below fabrikam.com → To on-premises (all-accepted *.fabrikam.com)", "mail to the partner"}},
		}, "partner-outbound-clean.yaml"},
		{"partner-restriction-rejects-partner", "partner-rejects.yaml", nil, []want{
			{attribution.CodePartnerRestrictionRejectsPartner, attribution.SeverityError, "Woodgrove by certificate", []string{"TlsSenderCertificateName is empty", "woodgrovebank.com", "5.7.51"}},
			{attribution.CodePartnerRestrictionRejectsPartner, attribution.SeverityError, "Tailspin by IP", []string{"SenderIPAddresses is empty", "tailspintoys.com", "5.7.51"}},
			{attribution.CodePartnerRestrictionRejectsPartner, attribution.SeverityError, "Fabrikam by private IP", []string{"private", "fabrikam.com", "5.7.51"}},
		}, "partner-inbound-clean.yaml"},
		{"partner-certificate-restriction-without-tls", "partner-cert-notls.yaml", nil, []want{
			{attribution.CodePartnerCertificateWithoutTLS, attribution.SeverityWarning, "Woodgrove by certificate", []string{"RequireTls $true", "5.7.51"}},
		}, "partner-inbound-clean.yaml"},
		{"partner-restrictions-conflict", "partner-conflict.yaml", nil, []want{
			{attribution.CodePartnerRestrictionsConflict, attribution.SeverityError, "Woodgrove both", []string{"both true"}},
			{attribution.CodePartnerRestrictionsConflict, attribution.SeverityWarning, "Tailspin IP and cert", []string{"restricts by IP", "move TlsSenderCertificateName"}},
		}, "partner-inbound-clean.yaml"},
		{"partner-allow-list-overridden", "partner-overridden.yaml", nil, []want{
			{attribution.CodePartnerAllowListOverridden, attribution.SeverityWarning, "Woodgrove allow", []string{"woodgrovebank.com overlaps *.woodgrovebank.com", "'Woodgrove restricted'", "5.7.51"}},
		}, "partner-inbound-clean.yaml"},
		{"one-way-hybrid", "one-way-hybrid.yaml", nil, []want{
			{attribution.CodeOneWayHybrid, attribution.SeverityWarning, "", []string{"Hybrid Configuration Wizard"}},
		}, "device-relay.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := lintWith(t, tt.file, tt.opts...)
			for _, w := range tt.want {
				f := findCode(fs, w.code, w.connector)
				if !assert.NotNil(t, f, "want %s for %q in %v", w.code, w.connector, fs) {
					continue
				}
				assert.Equal(t, w.severity, f.Severity, "%v", f)
				assert.Equal(t, "contoso", f.Tenant)
				assert.Contains(t, f.Reference, "facts §", "the reference cites the facts")
				for _, word := range w.words {
					assert.Contains(t, f.Message, word)
				}
			}
			for _, f := range lintWith(t, tt.clean, tt.opts...) {
				assert.NotEqual(t, tt.want[0].code, f.Code, "the clean design %s has no %s: %v", tt.clean, tt.want[0].code, f)
				assert.Equal(t, attribution.SeverityInfo, f.Severity, "the clean design %s has no warning or error: %v", tt.clean, f)
			}
		})
	}
}

// TestLintDeviceRelay: the inbound-only device relay by IP is neither
// one-way hybrid nor warned for its IP: an info says what MC1226222
// prefers.
func TestLintDeviceRelay(t *testing.T) {
	fs := lintWith(t, "device-relay.yaml")
	require.Len(t, fs, 1, "%v", fs)
	assert.Equal(t, attribution.CodeIPBasedOnPremises, fs[0].Code)
	assert.Equal(t, attribution.SeverityInfo, fs[0].Severity)
	assert.Equal(t, "Scanner relay", fs[0].Connector)
}
