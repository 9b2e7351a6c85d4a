// Package benchmarks measures mailflow at scale: outbound selection in one
// connector table of 10 … 1,000,000 connectors, inbound attribution in
// directories of 10 … 1,000,000 tenants, building them, the memory they
// take, loading them through the configuration loader, certificate
// matching, and the Postfix policy service, each next to naive baselines
// measured in the same run. The worlds come from internal/world (the
// generator "mailflow gen-world" writes to files). The benchmarks are in the
// package's test files; run.sh runs them and writes RESULTS.md (see
// README.md).
package benchmarks

import (
	"github.com/armon/go-radix"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Baselines answer connector.Table.Select's question (most-specific
// precedence: exact, longest wildcard, all accepted domains) over the same
// patterns and accepted domains, the naive ways DESIGN.md's reference
// figures measure, plus the floor every target is a ratio to.
//
// The lookups return a code: claim index + 1 for an exact or wildcard
// pattern, -(accepted index + 1) for an accepted domain, 0 for none;
// [Baselines.Answer] turns it into a rule and pattern. None allocates.
type Baselines struct {
	claims   []domain.Pattern
	accepted []domain.AcceptedDomain
	allConn  bool

	floor  map[string]int32
	walk   map[string]*entry
	radix  *radix.Tree
	linear []domain.Pattern
}

// entry is what a map or radix baseline stores under one name.
type entry struct {
	exact, wild int32 // claim index + 1
	acc         int32 // accepted index + 1
	accSub      bool  // that accepted domain matches subdomains
}

// NewBaselines indexes the candidate connectors' patterns and the accepted
// domains of a table's input.
func NewBaselines(conns []connector.Outbound, accepted []domain.AcceptedDomain) *Baselines {
	b := &Baselines{accepted: accepted, floor: map[string]int32{}, walk: map[string]*entry{}, radix: radix.New()}
	get := func(n domain.Name) *entry {
		e := b.walk[n.String()]
		if e == nil {
			e = &entry{}
			b.walk[n.String()] = e
			b.radix.Insert(n.Key(), e)
		}
		return e
	}
	for _, c := range conns {
		if c.AllAcceptedDomains {
			b.allConn = true
		}
		for _, p := range c.RecipientDomains {
			b.claims = append(b.claims, p)
			id := int32(len(b.claims))
			b.floor[p.Base().String()] = id
			switch p.Kind() {
			case domain.Exact:
				get(p.Base()).exact = id
			case domain.Wildcard:
				get(p.Base()).wild = id
			}
		}
	}
	for i, a := range accepted {
		b.floor[a.Name.String()] = -int32(i + 1)
		e := get(a.Name)
		e.acc, e.accSub = int32(i+1), a.MatchSubDomains
	}
	b.linear = b.claims
	return b
}

// Floor is one Go map lookup of the whole name: the least any index can
// do. Its answer is not Select's.
func (b *Baselines) Floor(n domain.Name) int32 { return b.floor[n.String()] }

// MapWalk looks the name up in a Go map, then each parent domain in turn,
// the way a hand-written router would: the exact entry, the first (so
// longest) wildcard on the way up, else the accepted domain itself or the
// nearest one above that matches subdomains.
func (b *Baselines) MapWalk(n domain.Name) int32 {
	var acc int32
	if e := b.walk[n.String()]; e != nil {
		switch {
		case e.exact != 0:
			return e.exact
		case e.wild != 0:
			return e.wild
		}
		acc = e.acc
	}
	for p, ok := n.Parent(); ok; p, ok = p.Parent() {
		if e := b.walk[p.String()]; e != nil {
			if e.wild != 0 {
				return e.wild
			}
			if acc == 0 && e.accSub {
				acc = e.acc
			}
		}
	}
	if acc != 0 && b.allConn {
		return -acc
	}
	return 0
}

// Radix walks a plain github.com/armon/go-radix tree over reversed-label
// keys ("com.contoso.sales."), visiting every stored key on the name's path
// root first (WalkPath), and keeps the most specific answer.
func (b *Baselines) Radix(n domain.Name) int32 {
	key := n.Key()
	var exact, wild, acc int32
	b.radix.WalkPath(key, func(k string, v any) bool {
		e := v.(*entry)
		if len(k) == len(key) {
			exact = e.exact
			if e.acc != 0 {
				acc = e.acc
			}
		} else if e.accSub {
			acc = e.acc
		}
		if e.wild != 0 {
			wild = e.wild
		}
		return false
	})
	switch {
	case exact != 0:
		return exact
	case wild != 0:
		return wild
	case acc != 0 && b.allConn:
		return -acc
	}
	return 0
}

// Linear tests every pattern, then every accepted domain, and keeps the
// most specific match.
func (b *Baselines) Linear(n domain.Name) int32 {
	best, spec := int32(0), -1
	for i, p := range b.linear {
		if p.Match(n) {
			if s := p.Specificity(); s > spec {
				best, spec = int32(i+1), s
			}
		}
	}
	if best != 0 || !b.allConn {
		return best
	}
	accLen := 0
	for i, a := range b.accepted {
		if a.Covers(n) && len(a.Name.String()) > accLen {
			best, accLen = -int32(i+1), len(a.Name.String())
		}
	}
	return best
}

// Answer turns a lookup code into the rule and pattern Select would report.
func (b *Baselines) Answer(code int32) (connector.Rule, domain.Pattern) {
	switch {
	case code > 0:
		p := b.claims[code-1]
		switch p.Kind() {
		case domain.Exact:
			return connector.RuleExact, p
		case domain.Wildcard:
			return connector.RuleWildcard, p
		}
		return connector.RuleAny, p
	case code < 0:
		return connector.RuleAllAccepted, b.accepted[-code-1].Pattern()
	}
	return connector.RuleNone, domain.Pattern{}
}
