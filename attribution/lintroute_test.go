package attribution

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// slowNeverSelected is the reference for lintNeverSelected: it asks
// Select (never SelectBelow) for every name that can have its own answer,
// every name a connector or accepted domain names, a fresh name below
// each of them, and a name below none, and returns the selectable
// connectors that win none of them.
func slowNeverSelected(t *tenantRec) []string {
	var names []domain.Name
	add := func(n domain.Name) {
		names = append(names, n)
		if c, err := domain.Parse("zz-probe." + n.String()); err == nil {
			names = append(names, c)
		}
	}
	for c := range t.outboundConnectors() {
		for _, p := range c.RecipientDomains {
			if p.Kind() != domain.Any {
				add(p.Base())
			}
		}
	}
	for _, a := range t.AcceptedDomains {
		add(a.Name)
	}
	names = append(names, domain.MustParse("zz-probe.nowhere.example"))
	won := map[*connector.Outbound]bool{}
	for _, n := range names {
		won[t.outbound.Select(n).Connector()] = true
	}
	var out []string
	for c := range t.outboundConnectors() {
		if selectable(c) && !won[c] {
			out = append(out, c.Name)
		}
	}
	return out
}

// randomOutboundTenant draws connectors and accepted domains from small
// pools, so that exact, wildcard and all-accepted claims meet often.
func randomOutboundTenant(r *rand.Rand) Tenant {
	pool := []string{"contoso.com", "*.contoso.com", "sales.contoso.com", "*.sales.contoso.com", "eu.sales.contoso.com", "fabrikam.com", "*.fabrikam.com", "a.fabrikam.com", "*"}
	acc := []string{"contoso.com", "sales.contoso.com", "fabrikam.com", "+fabrikam.com", "+contoso.com", "other.example"}
	t := Tenant{ID: "t"}
	seenAcc := map[string]bool{}
	for range 1 + r.IntN(3) {
		a := acc[r.IntN(len(acc))]
		base := a
		if a[0] == '+' {
			base = a[1:]
		}
		if seenAcc[base] {
			continue
		}
		seenAcc[base] = true
		ad := domain.AcceptedDomain{Name: domain.MustParse(base)}
		if a[0] == '+' {
			ad.Type, ad.MatchSubDomains = domain.InternalRelay, true
		}
		t.AcceptedDomains = append(t.AcceptedDomains, ad)
	}
	claimed := map[string]bool{}
	allTaken := false
	for i := range 1 + r.IntN(4) {
		o := connector.NewOutbound(fmt.Sprintf("C%d", i))
		o.ConnectorType = connector.OnPremises
		o.UseMXRecord, o.SmartHosts = false, smartHosts("mail.contoso.com")
		if r.IntN(3) == 0 {
			o.ConnectorType = connector.Partner
		}
		if o.ConnectorType == connector.OnPremises && !allTaken && r.IntN(3) == 0 {
			o.AllAcceptedDomains, allTaken = true, true
		}
		for range r.IntN(3) {
			p := pool[r.IntN(len(pool))]
			if claimed[p] {
				continue
			}
			claimed[p] = true
			o.RecipientDomains = append(o.RecipientDomains, domain.MustParsePattern(p))
			if p == "*" {
				o.ConnectorType, o.RouteAllMessagesViaOnPremises = connector.OnPremises, true
			}
		}
		if len(o.RecipientDomains) == 0 && !o.AllAcceptedDomains {
			continue
		}
		t.OutboundConnectors = append(t.OutboundConnectors, o)
	}
	t.InboundConnectors = []connector.Inbound{onPremByCert("in", "*.contoso.com")}
	return t
}

// TestNeverSelectedDifferential: the two lookups per claim find exactly
// the connectors that enumeration finds, under both precedences.
func TestNeverSelectedDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	found := 0
	for i := range 2000 {
		ten := randomOutboundTenant(r)
		prec := connector.Precedence(r.IntN(2))
		d, err := NewDirectory([]Tenant{ten}, connector.WithPrecedence(prec))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want := slowNeverSelected(d.rec(0))
		var got []string
		d.lintNeverSelected(d.rec(0), func(code string, _ Severity, conn, _, _ string, _ ...any) {
			got = append(got, conn)
		})
		slices.Sort(want)
		slices.Sort(got)
		if !assert.Equal(t, want, got, "case %d (%s): %+v", i, prec, ten.OutboundConnectors) {
			return
		}
		found += len(want)
	}
	assert.Positive(t, found, "the random tenants have connectors that are never selected")
}

// TestLintOutboundEdges: the outbound findings on the names below a
// MatchSubDomains domain, and never on connectors the table does not
// consider (disabled, test mode, rule-scoped).
func TestLintOutboundEdges(t *testing.T) {
	star := func(name string) connector.Outbound {
		o := connector.NewOutbound(name)
		o.RecipientDomains = patterns("*")
		o.UseMXRecord, o.SmartHosts = false, smartHosts("mx.partner.example")
		return o
	}
	base := func(conns ...connector.Outbound) Tenant {
		return Tenant{ID: "contoso", OutboundConnectors: conns, AcceptedDomains: []domain.AcceptedDomain{
			{Name: domain.MustParse("contoso.com")},
			{Name: domain.MustParse("legacy.example"), Type: domain.InternalRelay, MatchSubDomains: true},
		}}
	}
	off := star("Off")
	off.Enabled = false
	test := star("Test")
	test.TestMode = true
	ruled := connector.NewOutbound("Rule")
	ruled.IsTransportRuleScoped, ruled.UseMXRecord, ruled.SmartHosts = true, false, smartHosts("mx.partner.example")

	d := mustDirectory(t, base(star("Star")))
	fs, ok := LintTenant(d, "contoso")
	assert.True(t, ok)
	var shadow *Finding
	for i := range fs {
		if fs[i].Code == CodeCatchAllShadowsAccepted {
			shadow = &fs[i]
		}
	}
	if assert.NotNil(t, shadow, "LintTenant reports the shadow: %v", fs) {
		assert.Equal(t, SeverityError, shadow.Severity, "legacy.example is InternalRelay")
		assert.Contains(t, shadow.Message, "contoso.com, legacy.example, names below legacy.example")
	}
	for _, f := range Lint(mustDirectory(t, base(off, test, ruled))) {
		assert.NotContains(t, []string{CodeCatchAllShadowsAccepted, CodeCatchAllToPartner, CodeConnectorNeverSelected}, f.Code,
			"a connector the table never considers is not reported by the outbound findings: %v", f)
	}
}
