package domain_test

import (
	"testing"

	"github.com/mailflow-go/mailflow/domain"
)

// The hot path of routing and attribution: matching and walking parsed
// values must not allocate.
func TestNoAllocs(t *testing.T) {
	name := domain.MustParse("a.b.sales.contoso.com")
	parent := domain.MustParse("contoso.com")
	other := domain.MustParse("evilcontoso.com")
	wild := domain.MustParsePattern("*.contoso.com")
	exact := domain.MustParsePattern("sales.contoso.com")
	anyP := domain.AnyPattern()
	var sink bool
	var sinkS string
	tests := []struct {
		name string
		fn   func()
	}{
		{"Pattern.Match wildcard", func() { sink = wild.Match(name) || wild.Match(other) }},
		{"Pattern.Match exact", func() { sink = exact.Match(name) || exact.Match(other) }},
		{"Pattern.Match any", func() { sink = anyP.Match(name) }},
		{"Pattern.Covers", func() { sink = wild.Covers(exact) }},
		{"Name.Parent", func() {
			for n, ok := name, true; ok; n, ok = n.Parent() {
				sinkS = n.String()
			}
		}},
		{"Name.IsSubdomainOf", func() { sink = name.IsSubdomainOf(parent) || other.IsSubdomainOf(parent) }},
		{"Name.IsChildOf", func() { sink = name.IsChildOf(parent) }},
		{"Name.Key", func() { sinkS = name.Key() }},
		{"Name.String", func() { sinkS = name.String() }},
		{"Name.Unicode of ASCII", func() { sinkS = name.Unicode() }},
		{"Pattern.String exact", func() { sinkS = exact.String() }},
		{"AcceptedDomain.Covers", func() {
			a := domain.AcceptedDomain{Name: parent, Type: domain.InternalRelay, MatchSubDomains: true}
			sink = a.Covers(name)
		}},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tt.name, n)
		}
	}
	_, _ = sink, sinkS
}

// Parsing an already canonical ASCII name allocates once: one buffer
// holds both the name and its reversed-label key.
func TestParseAllocs(t *testing.T) {
	for _, s := range []string{"contoso.com", "a.b.sales.contoso.com", name253} {
		n := testing.AllocsPerRun(100, func() { _, _ = domain.Parse(s) })
		t.Logf("Parse(%.20q…): %v allocations", s, n)
		if n > 1 {
			t.Errorf("Parse(%.20q…): %v allocations, want at most 1", s, n)
		}
	}
}
