package connector

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/domain"
)

type randSource struct{ r *rand.Rand }

func (s randSource) intn(n int) int { return s.r.IntN(n) }

// checkAgainstSlow builds a table from conns and accepted under both
// policies and compares Select, Explain and Disagreements with the slow
// reference on every name of names. It reports whether the table built.
func checkAgainstSlow(t *testing.T, conns []Outbound, accepted []domain.AcceptedDomain, names []domain.Name) bool {
	t.Helper()
	wantErr := slowConflicts(conns)
	seen := map[string]bool{}
	for _, c := range conns {
		if c.Validate() != nil || seen[strings.ToLower(c.Name)] {
			wantErr = true
		}
		seen[strings.ToLower(c.Name)] = true
	}
	var tables [2]*Table
	for _, p := range []Precedence{MostSpecific, ListedOrder} {
		tab, err := NewTable(conns, accepted, WithPrecedence(p))
		if (err != nil) != wantErr {
			t.Fatalf("NewTable error = %v, want error: %v\nconfig: %s", err, wantErr, dump(conns, accepted))
		}
		if err != nil {
			var conflict *ConflictError
			if slowConflicts(conns) && !errors.As(err, &conflict) {
				t.Fatalf("NewTable error %v has no ConflictError", err)
			}
			return false
		}
		tables[p] = tab
		for _, d := range names {
			name, rule, pat := slowSelect(conns, accepted, d, p)
			got := tab.Select(d)
			gotName := ""
			if got.Connector() != nil {
				gotName = got.Connector().Name
			}
			if gotName != name || got.Rule() != rule || got.Pattern() != pat {
				t.Fatalf("%s: Select(%s) = %s %s %s, slow = %q %s %s\nconfig: %s",
					p, d, gotName, got.Rule(), got.Pattern(), name, rule, pat, dump(conns, accepted))
			}
			ex := tab.Explain(d)
			if ex.Selection != got {
				t.Fatalf("%s: Explain(%s).Selection = %v, Select = %v", p, d, ex.Selection, got)
			}
			if got.Connector() != nil {
				c := ex.Candidates[0]
				if !c.Chosen || c.Connector != got.Connector() || c.Rule != got.Rule() || c.Pattern != got.Pattern() {
					t.Fatalf("%s: Explain(%s) first candidate %+v, want the selection %v", p, d, c, got)
				}
			}
			for _, c := range ex.Candidates[min(1, len(ex.Candidates)):] {
				if c.Chosen || c.Why == "" {
					t.Fatalf("%s: Explain(%s): candidate %+v not chosen but has no reason", p, d, c)
				}
			}
			want := slowCandidates(conns, accepted, d, p)
			gotCands := map[string]string{}
			for _, c := range ex.Candidates {
				gotCands[c.Connector.Name] = c.Rule.String() + " " + c.Pattern.String()
			}
			if fmt.Sprint(gotCands) != fmt.Sprint(want) {
				t.Fatalf("%s: Explain(%s) candidates %v, slow %v\nconfig: %s", p, d, gotCands, want, dump(conns, accepted))
			}
		}
	}
	checkDisagreements(t, tables[MostSpecific], tables[ListedOrder], names)
	return true
}

// checkDisagreements decodes Disagreements and compares it, name by name,
// with the two tables' answers.
func checkDisagreements(t *testing.T, ms, lo *Table, names []domain.Name) {
	t.Helper()
	dis := ms.Disagreements()
	if got := lo.Disagreements(); len(got) != len(dis) {
		t.Fatalf("Disagreements differ between the tables' own policies: %d vs %d", len(dis), len(got))
	}
	for _, d := range names {
		a, b := ms.Select(d), lo.Select(d)
		var in []Disagreement
		for _, x := range dis {
			if !x.Pattern.Match(d) {
				continue
			}
			excluded := false
			for _, e := range x.Except {
				excluded = excluded || e.Match(d)
			}
			if !excluded {
				in = append(in, x)
			}
		}
		switch {
		case len(in) > 1:
			t.Fatalf("%s is in %d disagreement sets: %+v", d, len(in), in)
		case len(in) == 1 && (!sameSel(in[0].MostSpecific, a) || !sameSel(in[0].ListedOrder, b) || sameConn(a, b)):
			t.Fatalf("%s: disagreement %s except %v says %v / %v; Select says %v / %v",
				d, in[0].Pattern, in[0].Except, in[0].MostSpecific, in[0].ListedOrder, a, b)
		case len(in) == 0 && !sameConn(a, b):
			t.Fatalf("%s: policies disagree (%v / %v) but no disagreement set holds it; sets: %+v", d, a, b, dis)
		}
	}
}

// sameConn compares the connectors of selections from different tables,
// by name.
func sameConn(a, b Selection) bool {
	return (a.Connector() == nil) == (b.Connector() == nil) && (a.Connector() == nil || a.Connector().Name == b.Connector().Name)
}

func sameSel(a, b Selection) bool {
	return sameConn(a, b) && a.Rule() == b.Rule() && a.Pattern() == b.Pattern()
}

func dump(conns []Outbound, accepted []domain.AcceptedDomain) string {
	s := ""
	for _, c := range conns {
		s += "\n  " + c.Name
		if !c.Enabled {
			s += " disabled"
		}
		if c.TestMode {
			s += " test"
		}
		if c.IsTransportRuleScoped {
			s += " rule-scoped"
		}
		if c.AllAcceptedDomains {
			s += " all-accepted"
		}
		for _, p := range c.RecipientDomains {
			s += " " + p.String()
		}
	}
	for _, a := range accepted {
		s += "\n  accepted " + a.Pattern().String()
	}
	return s
}

// TestDifferential compares Table with the slow reference on random
// configurations, under both policies, on every name of a small universe.
func TestDifferential(t *testing.T) {
	names := universe()
	r := rand.New(rand.NewPCG(1, 2))
	iterations := 400
	if testing.Short() {
		iterations = 50
	}
	built := 0
	for range iterations {
		conns, accepted := randConfig(randSource{r}, 6)
		if checkAgainstSlow(t, conns, accepted, names) {
			built++
		}
	}
	t.Logf("%d of %d random tables built", built, iterations)
	// The generator must exercise both outcomes.
	if built < iterations/5 || built == iterations {
		t.Fatalf("%d of %d random tables built; adjust the generator", built, iterations)
	}
}

// TestDisagreementsFound makes sure the random tables do produce
// disagreements, so that the differential check of Disagreements is not
// vacuous.
func TestDisagreementsFound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	found, withExcept := 0, 0
	for range 400 {
		conns, accepted := randConfig(randSource{r}, 6)
		tab, err := NewTable(conns, accepted)
		if err != nil {
			continue
		}
		for _, d := range tab.Disagreements() {
			found++
			if len(d.Except) > 0 {
				withExcept++
			}
		}
	}
	t.Logf("%d disagreements, %d with exceptions", found, withExcept)
	if found < 30 || withExcept < 10 {
		t.Fatalf("random tables gave %d disagreements, %d with exceptions; want more", found, withExcept)
	}
}
