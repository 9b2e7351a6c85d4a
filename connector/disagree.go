package connector

import (
	"cmp"
	"slices"

	"github.com/mailflow-go/mailflow/domain"
)

// Disagreement is a set of recipient domains for which the two precedence
// policies choose different connectors.
type Disagreement struct {
	// Pattern and Except describe the set: the domains Pattern matches and
	// no Except entry matches. Pattern is an exact name, or *.x for x and
	// the domains below it.
	Pattern domain.Pattern
	Except  []domain.Pattern
	// MostSpecific and ListedOrder are the two answers, the same for every
	// domain of the set.
	MostSpecific, ListedOrder Selection
}

// Disagreements returns every recipient domain for which [MostSpecific] and
// [ListedOrder] choose different connectors, whatever the table's own
// policy, as disjoint sets ordered by name (a parent before its
// subdomains). The list is exact: a domain is in one of the sets if and
// only if the policies disagree on it. It is nil when they never do.
//
// The policies differ only where an all-accepted connector and a wildcard
// of another connector both claim an accepted domain that no connector
// lists exactly, so the sets are built from the names the table knows: for
// each such name x, the name itself, and the domains below x that lie
// below no other known name.
func (t *Table) Disagreements() []Disagreement {
	if t.allConn == 0 || len(t.nodes) == 0 || !t.hasWildcard() {
		return nil
	}
	names := make([]domain.Name, 0, len(t.nodes))
	for i := range t.conns {
		c := &t.conns[i]
		if !c.candidate() {
			continue
		}
		for _, p := range c.RecipientDomains {
			if p.Kind() != domain.Any {
				names = append(names, p.Base())
			}
		}
	}
	for _, a := range t.accepted {
		names = append(names, a.Name)
	}
	slices.SortFunc(names, func(a, b domain.Name) int { return cmp.Compare(a.Key(), b.Key()) })
	names = slices.Compact(names)

	// children[x]: the known names whose nearest known ancestor is x.
	children := make(map[domain.Name][]domain.Name)
	for _, n := range names {
		for p, ok := n.Parent(); ok; p, ok = p.Parent() {
			if _, known := t.nodes[p.String()]; known {
				children[p] = append(children[p], n)
				break
			}
		}
	}

	var out []Disagreement
	for _, n := range names {
		atMS, atLO := t.pick(n, MostSpecific, false), t.pick(n, ListedOrder, false)
		belowMS, belowLO := t.pick(n, MostSpecific, true), t.pick(n, ListedOrder, true)
		atDiffers := atMS.Connector() != atLO.Connector()
		merged := false
		if belowMS.Connector() != belowLO.Connector() {
			var except []domain.Pattern
			if atMS == belowMS && atLO == belowLO {
				merged = true
			} else {
				except = append(except, domain.ExactPattern(n))
			}
			for _, c := range children[n] {
				except = append(except, domain.WildcardPattern(c))
			}
			out = append(out, Disagreement{Pattern: domain.WildcardPattern(n), Except: except, MostSpecific: belowMS, ListedOrder: belowLO})
		}
		if atDiffers && !merged {
			out = append(out, Disagreement{Pattern: domain.ExactPattern(n), MostSpecific: atMS, ListedOrder: atLO})
		}
	}
	// Exact x before *.x.
	slices.SortStableFunc(out, func(a, b Disagreement) int {
		return cmp.Or(cmp.Compare(a.Pattern.Base().Key(), b.Pattern.Base().Key()), cmp.Compare(a.Pattern.Kind(), b.Pattern.Kind()))
	})
	return out
}

// hasWildcard reports whether a candidate lists a wildcard *.x: without
// one the two policies are the same order (exact first, * last), and
// Disagreements need not allocate.
func (t *Table) hasWildcard() bool {
	for i := range t.conns {
		c := &t.conns[i]
		if !c.candidate() {
			continue
		}
		for _, p := range c.RecipientDomains {
			if p.Kind() == domain.Wildcard {
				return true
			}
		}
	}
	return false
}
