package benchmarks

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/world"
)

// These tests keep the generator honest at small sizes (they run in CI,
// with -race, in well under a second): same seed, same world; every world
// builds; every session and query pool is decided the way its name says.

func TestGenerateDeterministic(t *testing.T) {
	a, b := world.Generate(1000), world.Generate(1000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two worlds of 1,000 tenants differ")
	}
	small := world.Generate(10)
	if !reflect.DeepEqual(small.Tenants, a.Tenants[:10]) || !reflect.DeepEqual(small.Info, a.Info[:10]) {
		t.Fatal("the world of 10 tenants is not the first 10 tenants of the world of 1,000")
	}
	if !reflect.DeepEqual(a.Sessions(world.CertSession, 64), b.Sessions(world.CertSession, 64)) {
		t.Fatal("session pools differ")
	}
	s1, err1 := world.NewSelectWorld(1000)
	s2, err2 := world.NewSelectWorld(1000)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !reflect.DeepEqual(s1.Connectors, s2.Connectors) || !reflect.DeepEqual(s1.Pools, s2.Pools) {
		t.Fatal("two select worlds of 1,000 connectors differ")
	}
}

func TestWorldsBuild(t *testing.T) {
	for _, n := range []int{10, 1000} {
		w := world.Generate(n)
		d, err := attribution.NewDirectory(w.Tenants)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		st := w.Stats()
		t.Logf("n=%d: %+v", n, st)
		for i := range w.Tenants {
			for _, a := range w.Tenants[i].AcceptedDomains {
				if domain.IsPublicSuffix(a.Name) {
					t.Fatalf("accepted domain %s is a public suffix", a.Name)
				}
			}
		}
		if n >= 1000 {
			for what, count := range map[string]int{
				"exact": st.Exact, "wildcard": st.Wildcard, "*": st.Any, "AllAcceptedDomains": st.AllAccepted,
				"MatchSubDomains": st.MatchSubDomains, "certificate names": st.CertNames, "IPv6 prefixes": st.IPv6Prefixes,
				"IPv4 prefixes": st.IPPrefixes - st.IPv6Prefixes,
			} {
				if count == 0 {
					t.Errorf("n=%d: no %s", n, what)
				}
			}
		}
		checkSessions(t, w, d)
	}
}

// checkSessions attributes every pooled session and checks it is decided
// at the step its kind names.
func checkSessions(t *testing.T, w *world.World, d *attribution.Directory) {
	t.Helper()
	want := map[world.SessionKind]struct {
		path  attribution.Path
		basis attribution.Basis
		disp  attribution.Disposition
	}{
		world.CertSession:      {attribution.OnPremisesConnector, attribution.BasisCertificate, attribution.Relay},
		world.MailFromSession:  {attribution.OnPremisesConnector, attribution.BasisMailFrom, attribution.Relay},
		world.RcptToSession:    {attribution.OnPremisesConnector, attribution.BasisRcptTo, attribution.Deliver},
		world.AnonymousSession: {attribution.Anonymous, attribution.BasisNone, attribution.Deliver},
	}
	var r attribution.Result
	for _, k := range world.SessionKinds {
		pool := w.Sessions(k, 256)
		if pool == nil {
			t.Fatalf("%d tenants: no %s sessions", len(w.Tenants), k)
		}
		for _, s := range pool {
			d.AttributeTo(s, &r)
			wk := want[k]
			if r.Path != wk.path || r.Basis != wk.basis || len(r.Recipients) != 1 || r.Recipients[0].Disposition != wk.disp || r.Warnings != 0 {
				t.Fatalf("%s session from %s (cert %q, MAIL FROM %s, RCPT TO %s): got %s/%s %+v, warnings %s; explanation:\n%v",
					k, s.ClientIP, s.Certificate.String(), s.MailFrom.Text, s.RcptTo[0].Text, r.Path, r.Basis, r.Recipients, r.Warnings, d.Explain(s).Steps)
			}
		}
	}
}

func TestSelectWorld(t *testing.T) {
	want := map[string]connector.Rule{
		"exact": connector.RuleExact, "wildcard-d1": connector.RuleWildcard, "wildcard-d2": connector.RuleWildcard,
		"wildcard-d3": connector.RuleWildcard, "all-accepted": connector.RuleAllAccepted, "miss": connector.RuleNone,
	}
	for _, n := range []int{10, 1000} {
		w, err := world.NewSelectWorld(n)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		bl := NewBaselines(w.Connectors, w.Accepted)
		if len(w.Pools["mixed-64k"]) != world.LargePoolSize {
			t.Fatalf("n=%d: mixed-64k pool has %d names", n, len(w.Pools["mixed-64k"]))
		}
		for _, kind := range append(world.SelectKinds, "mixed-64k") {
			pool := w.Pools[kind]
			if kind == "mixed-64k" {
				pool = pool[:4096] // the linear scan is slow under -race
			}
			for _, q := range pool {
				sel := w.Table.Select(q)
				if r, ok := want[kind]; ok && sel.Rule() != r {
					t.Fatalf("n=%d pool %s: Select(%s) = %s", n, kind, q, sel)
				}
				for name, f := range map[string]func(domain.Name) int32{"map-walk": bl.MapWalk, "radix": bl.Radix, "linear": bl.Linear} {
					rule, pat := bl.Answer(f(q))
					if rule != sel.Rule() || pat != sel.Pattern() {
						t.Fatalf("n=%d pool %s: %s(%s) = %s %s, Select = %s", n, kind, name, q, rule, pat, sel)
					}
				}
			}
		}
	}
}

// TestNoAllocs checks, with runtime.MemStats over many calls, the
// zero-allocation claims the benchmarks report on.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	sw, err := world.NewSelectWorld(1000)
	if err != nil {
		t.Fatal(err)
	}
	pool := sw.Pools["mixed"]
	i := 0
	runtime.GC() // let no collection started by the setup run into the count
	if a := exactAllocs(func() { sw.Table.Select(pool[i%world.PoolSize]); i++ }); a != 0 {
		t.Errorf("Select: %g allocs/op", a)
	}
	w := world.Generate(1000)
	d, err := attribution.NewDirectory(w.Tenants)
	if err != nil {
		t.Fatal(err)
	}
	sessions := w.MixedSessions(world.PoolSize)
	var r attribution.Result
	for _, s := range sessions { // a reused Result grows its slices once
		d.AttributeTo(s, &r)
	}
	runtime.GC()
	if a := exactAllocs(func() { d.AttributeTo(sessions[i%world.PoolSize], &r); i++ }); a != 0 {
		t.Errorf("AttributeTo: %g allocs/op", a)
	}
}
