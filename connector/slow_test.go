package connector

import (
	"fmt"
	"strings"

	"github.com/mailflow-go/mailflow/domain"
)

// This file holds a slow, obviously correct selector, written from the
// rules in the package documentation without the index, and a generator of
// small random configurations over a tiny alphabet so that names collide
// often. The differential and fuzz tests compare Table against it.

// slowSelect scans every connector and pattern. Scores encode the policy:
// exact 1000; wildcard 100 + labels of its base; all-accepted 50
// (MostSpecific) or 500 (ListedOrder); any 1. Ties between two connectors
// cannot happen in a table that built, and panic.
func slowSelect(conns []Outbound, accepted []domain.AcceptedDomain, d domain.Name, p Precedence) (name string, r Rule, pat domain.Pattern) {
	if !d.IsValid() {
		return "", RuleNone, domain.Pattern{}
	}
	// The accepted domain covering d, the longest.
	var acc domain.AcceptedDomain
	for _, a := range accepted {
		if a.Covers(d) && len(a.Name.String()) > len(acc.Name.String()) {
			acc = a
		}
	}
	best, bestName := 0, ""
	for _, c := range conns {
		if !c.Enabled || c.TestMode || c.IsTransportRuleScoped {
			continue
		}
		offer := func(score int, rr Rule, pp domain.Pattern) {
			switch {
			case score > best:
				best, bestName, r, pat = score, c.Name, rr, pp
			case score == best && bestName != c.Name:
				panic(fmt.Sprintf("tie between %q and %q for %s", bestName, c.Name, d))
			}
		}
		for _, q := range c.RecipientDomains {
			if !q.Match(d) {
				continue
			}
			switch q.Kind() {
			case domain.Exact:
				offer(1000, RuleExact, q)
			case domain.Wildcard:
				offer(100+q.Base().NumLabels(), RuleWildcard, q)
			case domain.Any:
				offer(1, RuleAny, q)
			}
		}
		if c.AllAcceptedDomains && acc.Name.IsValid() {
			score := 50
			if p == ListedOrder {
				score = 500
			}
			offer(score, RuleAllAccepted, acc.Pattern())
		}
	}
	return bestName, r, pat
}

// slowConflicts reports whether two candidates claim the same pattern, or
// both have AllAcceptedDomains, by comparing every pair.
func slowConflicts(conns []Outbound) bool {
	for i := range conns {
		for j := i + 1; j < len(conns); j++ {
			a, b := &conns[i], &conns[j]
			if !a.candidate() || !b.candidate() {
				continue
			}
			if a.AllAcceptedDomains && b.AllAcceptedDomains {
				return true
			}
			for _, p := range a.RecipientDomains {
				for _, q := range b.RecipientDomains {
					if p == q {
						return true
					}
				}
			}
		}
	}
	return false
}

// byteSource turns fuzz input (or a PRNG) into small choices.
type byteSource interface {
	// intn returns a number in [0, n).
	intn(n int) int
}

type bytesSource struct{ b []byte }

func (s *bytesSource) intn(n int) int {
	if len(s.b) == 0 {
		return 0
	}
	v := int(s.b[0]) % n
	s.b = s.b[1:]
	return v
}

// patternLabels is the alphabet of generated patterns; universe names also
// use "z", which no pattern does, so that every "below x" region has
// members in the universe.
var patternLabels = []string{"a", "b", "c"}

// randName returns a name of 1 to 3 labels over patternLabels, under
// example.com ("b.a.example.com").
func randName(src byteSource) string {
	depth := 1 + src.intn(3)
	parts := make([]string, 0, depth+2)
	for range depth {
		parts = append(parts, patternLabels[src.intn(len(patternLabels))])
	}
	return strings.Join(parts, ".") + ".example.com"
}

// randConfig returns random connectors and accepted domains. Connectors are
// valid unless the source says otherwise (roughly one in sixteen gets a
// random flag that breaks a rule).
func randConfig(src byteSource, maxConns int) ([]Outbound, []domain.AcceptedDomain) {
	var conns []Outbound
	for i := range 1 + src.intn(maxConns) {
		c := Outbound{
			Name:          fmt.Sprintf("C%d", i),
			Enabled:       src.intn(5) != 0,
			TestMode:      src.intn(8) == 0,
			ConnectorType: OnPremises,
			SmartHosts:    []SmartHost{MustParseSmartHost("mail.example.com")},
		}
		switch src.intn(6) {
		case 0:
			c.IsTransportRuleScoped = true
		case 1:
			c.AllAcceptedDomains = true
		}
		if !c.IsTransportRuleScoped {
			seen := map[domain.Pattern]bool{}
			for range 1 + src.intn(4) {
				var p domain.Pattern
				switch src.intn(8) {
				case 0:
					p = domain.AnyPattern()
					c.RouteAllMessagesViaOnPremises = true
				case 1, 2, 3:
					p = domain.MustParsePattern("*." + randName(src))
				default:
					p = domain.MustParsePattern(randName(src))
				}
				if !seen[p] {
					seen[p] = true
					c.RecipientDomains = append(c.RecipientDomains, p)
				}
			}
			if len(c.RecipientDomains) == 0 && !c.AllAcceptedDomains {
				c.IsTransportRuleScoped = true
			}
		}
		switch src.intn(24) { // break a rule, now and then
		case 0:
			c.UseMXRecord = true
		case 1:
			c.ConnectorType = Partner
		case 2:
			c.Name = "C0"
		}
		conns = append(conns, c)
	}
	var accepted []domain.AcceptedDomain
	seen := map[domain.Name]bool{}
	for range src.intn(8) {
		n := domain.MustParse(randName(src))
		if seen[n] {
			continue
		}
		seen[n] = true
		a := domain.AcceptedDomain{Name: n}
		if src.intn(2) == 0 {
			a.Type, a.MatchSubDomains = domain.InternalRelay, true
		}
		accepted = append(accepted, a)
	}
	return conns, accepted
}

// universe returns every name of 1 to 4 labels over patternLabels and "z"
// under example.com, plus example.com, com and an unrelated name.
func universe() []domain.Name {
	labels := append(append([]string(nil), patternLabels...), "z")
	out := []domain.Name{domain.MustParse("example.com"), domain.MustParse("com"), domain.MustParse("other.org")}
	var grow func(suffix string, depth int)
	grow = func(suffix string, depth int) {
		if depth == 0 {
			return
		}
		for _, l := range labels {
			n := l + "." + suffix
			out = append(out, domain.MustParse(n))
			grow(n, depth-1)
		}
	}
	grow("example.com", 4)
	return out
}

// slowCandidates returns, for every connector that could carry d (one
// with a matching claim, whatever its state, or a rule-scoped one), its
// best claim under p as "rule pattern".
func slowCandidates(conns []Outbound, accepted []domain.AcceptedDomain, d domain.Name, p Precedence) map[string]string {
	var acc domain.AcceptedDomain
	for _, a := range accepted {
		if a.Covers(d) && len(a.Name.String()) > len(acc.Name.String()) {
			acc = a
		}
	}
	out := map[string]string{}
	for _, c := range conns {
		best, claim := 0, ""
		offer := func(r Rule, pat domain.Pattern) {
			if s := rank(r, pat, p); s > best {
				best, claim = s, r.String()+" "+pat.String()
			}
		}
		for _, q := range c.RecipientDomains {
			if q.Match(d) {
				offer(map[domain.PatternKind]Rule{domain.Exact: RuleExact, domain.Wildcard: RuleWildcard, domain.Any: RuleAny}[q.Kind()], q)
			}
		}
		if c.AllAcceptedDomains && acc.Name.IsValid() {
			offer(RuleAllAccepted, acc.Pattern())
		}
		switch {
		case claim != "":
			out[c.Name] = claim
		case c.IsTransportRuleScoped:
			out[c.Name] = "none "
		}
	}
	return out
}
