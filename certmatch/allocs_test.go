package certmatch_test

import (
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// TestNoAllocs checks that, once names are parsed, matching and proving do
// not allocate, on hits and misses alike.
func TestNoAllocs(t *testing.T) {
	ns := certmatch.FromCertificate(mustSelfSigned(certSpec{
		CN:  []string{"relay.contoso.com"},
		DNS: []string{"mail.contoso.com", "*.eu.contoso.com", "mail.fabrikam.co.uk", "a.s3.amazonaws.com"},
	}))
	var pins certmatch.Pins
	if err := pins.Add(postfixFP, "relay.contoso.com"); err != nil {
		t.Fatal(err)
	}
	var (
		wildPattern  = domain.MustParsePattern("*.eu.contoso.com")
		exactPattern = domain.MustParsePattern("mail.fabrikam.co.uk")
		missPattern  = domain.MustParsePattern("*.northwind.com")
		anyPattern   = domain.AnyPattern()
		hitHost      = domain.MustParse("smtp.eu.contoso.com")
		missHost     = domain.MustParse("contoso.com")
		parent       = accepted("contoso.com")
		sub          = matchSub("eu.contoso.com")
		acrossSuffix = matchSub("amazonaws.com")
		missDomain   = accepted("northwind.com")
	)
	tests := []struct {
		name string
		f    func()
	}{
		{"Match/wildcard pattern", func() { ns.Match(wildPattern) }},
		{"Match/exact pattern", func() { ns.Match(exactPattern) }},
		{"Match/any", func() { ns.Match(anyPattern) }},
		{"Match/miss", func() { ns.Match(missPattern) }},
		{"MatchHost/hit", func() { ns.MatchHost(hitHost) }},
		{"MatchHost/miss", func() { ns.MatchHost(missHost) }},
		{"Proves/parent", func() { ns.Proves(parent) }},
		{"Proves/MatchSubDomains", func() { ns.Proves(sub) }},
		{"Proves/across a suffix", func() { ns.Proves(acrossSuffix) }},
		{"Proves/miss", func() { ns.Proves(missDomain) }},
		{"ProofCandidates", func() { ns.At(2).ProofCandidates(); ns.At(3).ProofCandidates() }},
		{"Pins.Lookup", func() { pins.Lookup(postfixFP) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tt.name, n)
		}
	}
	// The calls above must have done their work.
	if _, ok := ns.Match(exactPattern); !ok {
		t.Error("exact pattern did not match")
	}
	if _, ok := ns.Proves(acrossSuffix); ok {
		t.Error("a name under s3.amazonaws.com proved amazonaws.com")
	}
}
