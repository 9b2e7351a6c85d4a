package connector

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/domain"
)

// Explanation says why [Table.Select] chose what it chose.
type Explanation struct {
	// Domain is the recipient domain.
	Domain domain.Name
	// Precedence is the table's policy.
	Precedence Precedence
	// Selection is what Select returns for Domain.
	Selection Selection
	// Candidates are the connectors that could have carried Domain: the
	// chosen one first; then the candidates that match Domain and lost,
	// best first; then connectors that match Domain but are disabled or in
	// test mode; then the rule-scoped connectors, which a mail flow rule
	// may choose for any domain.
	Candidates []Candidate
	// Reason is the answer and its why in one line, for people:
	// "Connector 3: wildcard *.contoso.com is the most specific match;
	// Connector 1 (all accepted domains) lost under most-specific precedence".
	Reason string
}

// Candidate is one connector's claim on a recipient domain.
type Candidate struct {
	// Connector points into the table and must not be modified.
	Connector *Outbound
	// Rule and Pattern are the connector's best claim on the domain under
	// the table's precedence (for the chosen one, what [Selection] says);
	// RuleNone for a rule-scoped connector.
	Rule    Rule
	Pattern domain.Pattern
	// Chosen is set on the selected connector.
	Chosen bool
	// Why says why the connector was not chosen ("exact contoso.com beats
	// wildcard *.contoso.com", "disabled", …); "" when it was.
	Why string
}

// Candidate kinds, in the order Explanation lists them.
const (
	kindChosen = iota
	kindLost
	kindInactive
	kindRuleScoped
)

// rank orders the claims on one domain under precedence p, the higher
// first: by the policy's order of the rules (ruleOrder), then wildcards by
// specificity.
func rank(r Rule, pat domain.Pattern, p Precedence) int {
	k := (len(ruleOrder[p]) - position(p, r)) * 1000
	if r == RuleWildcard {
		k += pat.Specificity()
	}
	return k
}

// claimText describes a rule and pattern: "exact contoso.com", "wildcard
// *.contoso.com", "all accepted domains", "*".
func claimText(r Rule, pat domain.Pattern) string {
	switch r {
	case RuleExact, RuleWildcard:
		return r.String() + " " + pat.String()
	case RuleAllAccepted:
		return "all accepted domains"
	case RuleAny:
		return "*"
	}
	return "none"
}

// policyDecides reports whether the order of a and b depends on the
// precedence policy.
func policyDecides(a, b Rule) bool {
	return (position(MostSpecific, a) < position(MostSpecific, b)) != (position(ListedOrder, a) < position(ListedOrder, b))
}

// Explain returns [Table.Select]'s answer for d with every connector that
// could have carried d and why each lost. Unlike Select, it allocates.
func (t *Table) Explain(d domain.Name) Explanation {
	ex := Explanation{Domain: d, Precedence: t.precedence, Selection: t.Select(d)}
	if !d.IsValid() {
		ex.Reason = "no connector: not a valid domain name"
		return ex
	}
	win := ex.Selection

	type entry struct {
		c    Candidate
		id   int32
		kind int
		rank int
	}
	best := make(map[int32]*entry)
	offer := func(id int32, r Rule, pat domain.Pattern) {
		rk := rank(r, pat, t.precedence)
		if e, ok := best[id]; ok && e.rank >= rk {
			return
		}
		best[id] = &entry{c: Candidate{Connector: &t.conns[id-1], Rule: r, Pattern: pat}, id: id, rank: rk}
	}
	// The candidates' claims: d's own node, then the wildcards of its
	// known ancestors (a node's wildcard is its own when the pattern's base
	// is the node's name; otherwise it is inherited), then *.
	for n, self := d, true; ; self = false {
		if e, ok := t.nodes[n.String()]; ok {
			if self && e.exact != 0 {
				c := t.claims[e.exact-1]
				offer(c.conn+1, RuleExact, t.conns[c.conn].RecipientDomains[c.pat])
			}
			if e.wild != 0 {
				c := t.claims[e.wild-1]
				if pat := t.conns[c.conn].RecipientDomains[c.pat]; pat.Base() == n {
					offer(c.conn+1, RuleWildcard, pat)
				}
			}
		}
		var ok bool
		if n, ok = n.Parent(); !ok {
			break
		}
	}
	if t.anyClaim != 0 {
		offer(t.claims[t.anyClaim-1].conn+1, RuleAny, domain.AnyPattern())
	}
	// The other connectors' claims.
	if t.inactive != nil {
		for pat, ids := range t.inactive.Covering(d) {
			r := RuleAny
			switch pat.Kind() {
			case domain.Exact:
				r = RuleExact
			case domain.Wildcard:
				r = RuleWildcard
			}
			for _, id := range ids {
				offer(id, r, pat)
			}
		}
	}
	if acc, ok := t.acceptedPattern(d); ok {
		for _, id := range t.allAcc {
			offer(id, RuleAllAccepted, acc)
		}
	}
	for _, id := range t.ruleScoped {
		if _, ok := best[id]; !ok {
			best[id] = &entry{c: Candidate{Connector: &t.conns[id-1]}, id: id, kind: kindRuleScoped}
		}
	}

	list := make([]*entry, 0, len(best))
	for _, e := range best {
		c := &e.c
		switch o := c.Connector; {
		case o.IsTransportRuleScoped:
			e.kind = kindRuleScoped
			c.Why = "rule-scoped: chosen only by a mail flow rule that names it"
		case !o.Enabled:
			e.kind = kindInactive
			c.Why = "disabled"
		case o.TestMode:
			e.kind = kindInactive
			c.Why = "in test mode: never selected (Exchange documents no routing behaviour for test mode)"
		case o == win.Connector():
			e.kind = kindChosen
			c.Chosen = true
		default:
			e.kind = kindLost
			c.Why = lossReason(win, c, t.precedence)
		}
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(b.rank, a.rank), cmp.Compare(a.id, b.id))
	})
	ex.Candidates = make([]Candidate, len(list))
	for i, e := range list {
		ex.Candidates[i] = e.c
	}
	ex.Reason = t.reason(d, ex)
	return ex
}

// lossReason says why candidate c lost to the selection w.
func lossReason(w Selection, c *Candidate, p Precedence) string {
	switch {
	case w.rule == RuleWildcard && c.Rule == RuleWildcard:
		return "wildcard " + w.Pattern().String() + " is more specific than " + c.Pattern.String()
	case policyDecides(w.rule, c.Rule):
		return claimText(w.rule, w.Pattern()) + " beats " + claimText(c.Rule, c.Pattern) + " under " + p.String() + " precedence"
	}
	return claimText(w.rule, w.Pattern()) + " beats " + claimText(c.Rule, c.Pattern)
}

// maxNamed bounds how many connectors one clause of a reason names.
const maxNamed = 3

func (t *Table) reason(d domain.Name, ex Explanation) string {
	var b strings.Builder
	w := ex.Selection
	switch w.rule {
	case RuleNone:
		b.WriteString("no connector: default routing (MX lookup or local delivery)")
	case RuleExact:
		b.WriteString(w.Connector().Name + ": exact match " + w.Pattern().String())
	case RuleWildcard:
		b.WriteString(w.Connector().Name + ": wildcard " + w.Pattern().String() + " is the most specific match")
	case RuleAllAccepted:
		b.WriteString(w.Connector().Name + ": all accepted domains (" + d.String() + " is accepted")
		if w.Pattern().Kind() == domain.Wildcard {
			b.WriteString(", below " + w.Pattern().Base().String() + ", which matches subdomains")
		}
		b.WriteString(")")
	case RuleAny:
		b.WriteString(w.Connector().Name + ": * matches every domain, and no more specific connector does")
	}
	var lost, inactive []string
	for _, c := range ex.Candidates {
		switch {
		case c.Chosen || c.Connector.IsTransportRuleScoped:
		case c.Connector.Enabled && !c.Connector.TestMode:
			s := c.Connector.Name + " (" + claimText(c.Rule, c.Pattern) + ") lost"
			if policyDecides(w.rule, c.Rule) {
				s += " under " + ex.Precedence.String() + " precedence"
			}
			lost = append(lost, s)
		case !c.Connector.Enabled:
			inactive = append(inactive, c.Connector.Name+" ("+claimText(c.Rule, c.Pattern)+") is disabled")
		default:
			inactive = append(inactive, c.Connector.Name+" ("+claimText(c.Rule, c.Pattern)+") is in test mode")
		}
	}
	for _, clause := range [][]string{lost, inactive} {
		if len(clause) == 0 {
			continue
		}
		b.WriteString("; ")
		n := min(len(clause), maxNamed)
		b.WriteString(strings.Join(clause[:n], ", "))
		if len(clause) > n {
			b.WriteString(" and " + strconv.Itoa(len(clause)-n) + " more")
		}
	}
	return b.String()
}
