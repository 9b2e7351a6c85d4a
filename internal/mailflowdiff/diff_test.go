package mailflowdiff

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/world"
)

var labels = []string{"a", "b", "c"}

func randName(r *rand.Rand) domain.Name {
	s := []string{"com", "org"}[r.IntN(2)]
	for range 1 + r.IntN(3) {
		s = labels[r.IntN(len(labels))] + "." + s
	}
	return domain.MustParse(s)
}

func randPattern(r *rand.Rand) domain.Pattern {
	switch r.IntN(8) {
	case 0:
		return domain.AnyPattern()
	case 1, 2, 3:
		return domain.WildcardPattern(randName(r))
	}
	return domain.ExactPattern(randName(r))
}

// randTenant is a small random tenant over the names of labels.
func randTenant(r *rand.Rand, id string) attribution.Tenant {
	t := attribution.Tenant{ID: id}
	seen := map[string]bool{}
	for range r.IntN(4) {
		n := randName(r)
		if seen[n.Key()] {
			continue
		}
		seen[n.Key()] = true
		a := domain.AcceptedDomain{Name: n, Type: domain.Authoritative}
		if r.IntN(3) == 0 {
			a.Type, a.MatchSubDomains = domain.InternalRelay, true
		}
		t.AcceptedDomains = append(t.AcceptedDomains, a)
	}
	for i := range r.IntN(5) {
		c := connector.Outbound{Name: fmt.Sprintf("C%d", i+1), Enabled: r.IntN(6) != 0, ConnectorType: connector.Partner, UseMXRecord: true}
		if r.IntN(2) == 0 {
			c.UseMXRecord = false
			c.SmartHosts = []connector.SmartHost{connector.MustParseSmartHost([]string{"h1.net", "h2.net"}[r.IntN(2)])}
		}
		if r.IntN(4) == 0 {
			c.AllAcceptedDomains = true
		} else {
			for range 1 + r.IntN(3) {
				c.RecipientDomains = append(c.RecipientDomains, randPattern(r))
			}
		}
		t.OutboundConnectors = append(t.OutboundConnectors, c)
	}
	return t
}

func side(t *testing.T, ts ...attribution.Tenant) (Side, bool) {
	d, err := attribution.NewDirectory(ts)
	if err != nil {
		return Side{}, false
	}
	return Side{Tenants: ts, Directory: d}, true
}

// bruteNames are every name of up to four labels over labels and a label
// no pattern uses.
func bruteNames() []domain.Name {
	var out []domain.Name
	var grow func(s string, depth int)
	grow = func(s string, depth int) {
		out = append(out, domain.MustParse(s))
		if depth == 4 {
			return
		}
		for _, l := range append(labels, "z") {
			grow(l+"."+s, depth+1)
		}
	}
	grow("com", 1)
	grow("org", 1)
	grow("net", 1)
	return out[1:] // not "com" alone
}

// TestRegionsAgainstBruteForce checks, on random pairs of configurations,
// that every name decides as its region's representative does in both,
// and that the names whose decision changes are exactly those of the
// regions Compare reports.
func TestRegionsAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	all := bruteNames()
	pairs := 0
	for pairs < 150 {
		ot, nt := randTenant(r, "t"), randTenant(r, "t")
		if r.IntN(3) == 0 { // a small edit rather than a new tenant
			nt = ot.Clone()
			if len(nt.OutboundConnectors) > 0 {
				nt.OutboundConnectors[0].RecipientDomains = []domain.Pattern{randPattern(r)}
			}
		}
		old, ok1 := side(t, ot)
		nw, ok2 := side(t, nt)
		if !ok1 || !ok2 {
			continue
		}
		pairs++
		rs := Regions(ot, nt)
		rep := Compare(old, nw)
		reported := map[string]bool{}
		for _, c := range rep.Changes {
			if c.Direction == "outbound" {
				reported[c.Region] = true
			}
		}
		for _, n := range all {
			reg := RegionOf(rs, n)
			for _, s := range []Side{old, nw} {
				if got, want := RouteDecision(s.Directory, "t", n), RouteDecision(s.Directory, "t", reg.Example); got != want {
					t.Fatalf("pair %d: %s decides %q but its region %q (%s) decides %q\nold %+v\nnew %+v", pairs, n, got, reg.Text, reg.Example, want, ot, nt)
				}
			}
			differs := RouteDecision(old.Directory, "t", n) != RouteDecision(nw.Directory, "t", n)
			if differs != reported[reg.Text] {
				t.Fatalf("pair %d: %s: decision differs %v, region %q reported %v", pairs, n, differs, reg.Text, reported[reg.Text])
			}
		}
	}
}

func TestIPRangesAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var ps []netip.Prefix
		for range 1 + r.IntN(4) {
			bits := 26 + r.IntN(7)
			a := netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(64))})
			ps = append(ps, netip.PrefixFrom(a, bits).Masked())
		}
		rs := IPRanges(ps)
		for i := range 64 {
			a := netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})
			n := 0
			for _, rg := range rs {
				if rg.From.Compare(a) <= 0 && a.Compare(rg.To) <= 0 {
					n++
					for _, p := range ps {
						if p.Contains(a) != p.Contains(rg.From) {
							t.Fatalf("%s and %s (range %s) differ on %s", a, rg.From, rg, p)
						}
					}
				}
			}
			if n != 1 {
				t.Fatalf("%s is in %d ranges of %v (prefixes %v)", a, n, rs, ps)
			}
		}
	}
}

func TestCompareOneTenantChange(t *testing.T) {
	w := world.Generate(50)
	old, ok := side(t, w.Tenants...)
	if !ok {
		t.Fatal("world does not build")
	}
	ts := make([]attribution.Tenant, len(w.Tenants))
	for i, x := range w.Tenants {
		ts[i] = x.Clone()
	}
	ts[7].OutboundConnectors = nil
	ts[7].InboundConnectors = nil
	nw, ok := side(t, ts...)
	if !ok {
		t.Fatal("edited world does not build")
	}
	rep := Compare(old, nw)
	if len(rep.ChangedTenants) != 1 || rep.ChangedTenants[0] != ts[7].ID {
		t.Fatalf("changed tenants %v, want [%s]", rep.ChangedTenants, ts[7].ID)
	}
	var in, out int
	for _, c := range rep.Changes {
		switch c.Direction {
		case "inbound":
			in++
		case "outbound":
			out++
		}
	}
	if in == 0 || out == 0 {
		t.Fatalf("removing tenant %s's connectors: %d inbound, %d outbound changes, want some of each:\n%+v", ts[7].ID, in, out, rep.Changes)
	}
	if same := Compare(old, old); len(same.Changes) != 0 || len(same.ChangedTenants) != 0 {
		t.Fatalf("a configuration against itself: %+v", same)
	}
}
