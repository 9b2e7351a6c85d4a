package connector

import (
	"cmp"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/labeltree"
)

// Rule says which rule decided an outbound selection.
type Rule uint8

const (
	// RuleNone: no connector; default routing (MX lookup, or local
	// delivery for the organisation's own domains). The zero Rule.
	RuleNone Rule = iota
	// RuleExact: the connector lists the recipient domain itself.
	RuleExact
	// RuleWildcard: the connector lists *.x, x being the recipient domain
	// or one of its parents; the longest x wins.
	RuleWildcard
	// RuleAllAccepted: the connector has AllAcceptedDomains and the
	// recipient domain is accepted.
	RuleAllAccepted
	// RuleAny: the connector lists *.
	RuleAny
)

// String returns "none", "exact", "wildcard", "all-accepted" or "any".
func (r Rule) String() string {
	switch r {
	case RuleNone:
		return "none"
	case RuleExact:
		return "exact"
	case RuleWildcard:
		return "wildcard"
	case RuleAllAccepted:
		return "all-accepted"
	case RuleAny:
		return "any"
	}
	return "Rule(" + strconv.Itoa(int(r)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Precedence is the order in which the selection rules apply. The seed
// articles describe two (see the package documentation); the zero value is
// MostSpecific, the default.
type Precedence uint8

const (
	// MostSpecific: exact, longest wildcard, all accepted domains, *. It
	// reproduces the documentation's worked example.
	MostSpecific Precedence = iota
	// ListedOrder: exact, all accepted domains, longest wildcard, *. The
	// documentation's list, as written.
	ListedOrder
)

// String returns "most-specific" or "listed-order".
func (p Precedence) String() string {
	switch p {
	case MostSpecific:
		return "most-specific"
	case ListedOrder:
		return "listed-order"
	}
	return "Precedence(" + strconv.Itoa(int(p)) + ")"
}

// ParsePrecedence parses "most-specific" or "listed-order" (ignoring case).
func ParsePrecedence(s string) (Precedence, error) {
	for _, p := range []Precedence{MostSpecific, ListedOrder} {
		if strings.EqualFold(s, p.String()) {
			return p, nil
		}
	}
	return 0, &ParseError{What: "precedence", Input: s, Msg: "want most-specific or listed-order"}
}

// MarshalText implements encoding.TextMarshaler.
func (p Precedence) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParsePrecedence].
func (p *Precedence) UnmarshalText(b []byte) error {
	return unmarshalEnum(p, string(b), ParsePrecedence)
}

// Option configures [NewTable].
type Option func(*options)

type options struct {
	precedence Precedence
}

// WithPrecedence sets the table's precedence policy (default MostSpecific).
func WithPrecedence(p Precedence) Option {
	return func(o *options) { o.precedence = p }
}

// Selection is the answer of [Table.Select]: which connector, by which
// rule, on which pattern. It is a small value (two words) that refers into
// its table, so that Select copies and allocates nothing; the accessors
// look the answer up. The zero Selection is "none". Selections from one
// table compare equal with == exactly when they give the same answer.
type Selection struct {
	t    *Table
	i    int32 // Table.claims index + 1; for RuleAllAccepted, Table.accepted index + 1
	rule Rule
}

// Connector returns the chosen connector, nil for RuleNone (check it, or
// use [Selection.ConnectorName]). It points into the table and must not be
// modified.
func (s Selection) Connector() *Outbound {
	switch s.rule {
	case RuleNone:
		return nil
	case RuleAllAccepted:
		return &s.t.conns[s.t.allConn-1]
	}
	return &s.t.conns[s.t.claims[s.i-1].conn]
}

// ConnectorName returns the chosen connector's Name, "" for RuleNone.
func (s Selection) ConnectorName() string {
	if c := s.Connector(); c != nil {
		return c.Name
	}
	return ""
}

// Rule returns the rule that decided.
func (s Selection) Rule() Rule { return s.rule }

// Pattern returns what matched: the RecipientDomains entry for exact,
// wildcard and any; for all-accepted, the accepted domain covering the
// recipient domain (exact, or *.x when x matches subdomains); the zero
// Pattern for none.
func (s Selection) Pattern() domain.Pattern {
	switch s.rule {
	case RuleNone:
		return domain.Pattern{}
	case RuleAllAccepted:
		return s.t.accepted[s.i-1].Pattern()
	}
	c := s.t.claims[s.i-1]
	return s.t.conns[c.conn].RecipientDomains[c.pat]
}

// String returns "Connector 2 (exact contoso.com)", "Connector 1
// (all-accepted fabrikam.com)", "Connector 4 (any *)" or "none".
func (s Selection) String() string {
	if s.rule == RuleNone {
		return "none"
	}
	return s.Connector().Name + " (" + s.rule.String() + " " + s.Pattern().String() + ")"
}

// MarshalJSON encodes s as {"connector": name or null, "rule": …,
// "pattern": …}, the fields of the CLI's route output.
func (s Selection) MarshalJSON() ([]byte, error) {
	var name *string
	if c := s.Connector(); c != nil {
		name = &c.Name
	}
	return json.Marshal(struct {
		Connector *string `json:"connector"`
		Rule      Rule    `json:"rule"`
		Pattern   string  `json:"pattern"`
	}{name, s.rule, s.Pattern().String()})
}

// claimRef is a candidate's recipient domain pattern: the connector's
// index, and the pattern's index in its RecipientDomains.
type claimRef struct{ conn, pat int32 }

// node is what the lookup path knows of one name x, with the answers of
// x's ancestors folded in, so that a lookup stops at the first known name
// on its way up. Claims are Table.claims index + 1, accepted domains
// Table.accepted index + 1; zero means none.
type node struct {
	exact   int32 // a candidate lists x
	wild    int32 // the longest candidate wildcard covering x: *.x, or one inherited from x's ancestors
	accSelf int32 // x is an accepted domain
	accSub  int32 // the nearest accepted domain at or above x that matches subdomains
}

// lenSet is a set of name lengths (0–255).
type lenSet [4]uint64

func (s *lenSet) add(n int)      { s[n>>6&3] |= 1 << (n & 63) }
func (s *lenSet) has(n int) bool { return s[n>>6&3]&(1<<(n&63)) != 0 }

// Table selects the outbound connector for a recipient domain, under one
// precedence policy.
//
// Candidates are the enabled outbound connectors that are neither in test
// mode nor rule-scoped. For a recipient domain d:
//
//	exact         a candidate lists d in RecipientDomains
//	wildcard      a candidate lists *.x that covers d; the longest x wins
//	all-accepted  a candidate has AllAcceptedDomains, and d is accepted
//	              (an accepted domain, or below one that matches subdomains)
//	any           a candidate lists *
//
// and the first rule that finds a candidate decides, in this order:
//
//	MostSpecific (default)  exact, wildcard, all-accepted, any
//	ListedOrder             exact, all-accepted, wildcard, any
//
// On d == x, an exact d beats *.x under both. No candidate: [RuleNone],
// default routing. Test-mode connectors are never selected: Exchange
// documents nothing about what test mode changes, and hides them from
// Get-OutboundConnector by default.
//
// A Table is immutable and safe for any number of concurrent readers. It
// keeps its own copy of the connectors and accepted domains; the zero Table
// has none and selects nothing. Build one with [NewTable], and swap tables
// (an atomic.Pointer) to reconfigure.
type Table struct {
	conns      []Outbound
	accepted   []domain.AcceptedDomain
	precedence Precedence

	// The lookup path: every name that is a candidate's recipient domain
	// (exact or wildcard base) or an accepted domain, the lengths of those
	// names, the candidates' patterns, and the two claims that need no
	// name.
	//
	// This is a flat form of the labeltree index, chosen by measurement
	// (BenchmarkSelect): one hash map whose entries carry their ancestors'
	// answers settles a lookup at the first known name on the way up,
	// where two labeltree.Frozen indexes (patterns, accepted domains) walk
	// the name's labels twice and were three to four times slower.
	nodes    map[string]node
	lens     lenSet // lengths of the names in nodes
	minLen   int
	claims   []claimRef
	anyClaim int32 // the claim of *
	allConn  int32 // index + 1 of the candidate with AllAcceptedDomains

	// For explanations: the patterns of the connectors that are not
	// candidates (the candidates' are in nodes; nil when there are none),
	// and the connectors with AllAcceptedDomains, candidates or not.
	inactive   *labeltree.Tree[[]int32]
	allAcc     []int32
	ruleScoped []int32
	byName     []int32 // the named connectors (index + 1), by name ignoring case
}

// NewTable validates connectors and accepted domains and indexes them for
// [Table.Select]. It returns every problem at once, as an [ErrorList]:
// each connector's [Outbound.Validate] errors (for a Stored connector,
// the [KindStructural] ones only); names used twice (compared
// ignoring case); invalid or repeated accepted domains; and, among the
// candidates (enabled, not in test mode, not rule-scoped), a
// [*ConflictError] for every recipient domain pattern (exact, wildcard or *)
// listed by two connectors and for a second AllAcceptedDomains connector.
// Nothing is half built: on error the table is nil.
func NewTable(connectors []Outbound, accepted []domain.AcceptedDomain, opts ...Option) (*Table, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if len(connectors) > math.MaxInt32-1 || len(accepted) > math.MaxInt32-1 {
		return nil, fmt.Errorf("connector: too many connectors or accepted domains")
	}
	b := &builder{t: &Table{
		conns:      cloneOutbounds(connectors),
		accepted:   slices.Clone(accepted),
		precedence: o.precedence,
	}}
	if o.precedence != MostSpecific && o.precedence != ListedOrder {
		b.errs = append(b.errs, fmt.Errorf("connector: unknown precedence %s", o.precedence))
	}
	b.connectors()
	b.names()
	b.acceptedDomains()
	b.errs = append(b.errs, b.conflicts...)
	if len(b.errs) > 0 {
		return nil, b.errs
	}
	b.fold()
	return b.t, nil
}

// builder holds what NewTable needs only while it builds.
type builder struct {
	t               *Table
	errs, conflicts ErrorList
	// known lists the names of t.nodes in the order they were added.
	known []domain.Name
}

// node returns the node of n, registering n when it is new.
func (b *builder) node(n domain.Name) node {
	e, ok := b.t.nodes[n.String()]
	if !ok {
		b.known = append(b.known, n)
	}
	return e
}

// connectors validates the connectors and indexes the candidates' claims.
func (b *builder) connectors() {
	t := b.t
	size := len(t.accepted)
	for i := range t.conns {
		size += len(t.conns[i].RecipientDomains)
	}
	t.nodes = make(map[string]node, size)
	// Sized once: a table of a few connectors should cost a few
	// allocations (a directory builds a million of them).
	b.known = make([]domain.Name, 0, size)
	t.claims = make([]claimRef, 0, size-len(t.accepted))
	t.byName = make([]int32, 0, len(t.conns))
	for i := range t.conns {
		c := &t.conns[i]
		id := int32(i) + 1
		if err := c.Validate(); err != nil {
			for _, e := range err.(ErrorList) {
				ve := e.(*ValidationError)
				if !ve.Refuses(c.Stored) {
					continue // a stored connector: the linter reports it
				}
				ve.Index = i
				b.errs = append(b.errs, e)
			}
		}
		if c.Name != "" {
			t.byName = append(t.byName, id)
		}
		if c.IsTransportRuleScoped {
			t.ruleScoped = append(t.ruleScoped, id)
		}
		if c.AllAcceptedDomains {
			t.allAcc = append(t.allAcc, id)
			if c.candidate() {
				if t.allConn != 0 {
					b.conflicts = append(b.conflicts, &ConflictError{First: t.conns[t.allConn-1].Name, Second: c.Name,
						FirstIndex: int(t.allConn - 1), SecondIndex: i, Field: "AllAcceptedDomains"})
				} else {
					t.allConn = id
				}
			}
		}
		for j, p := range c.RecipientDomains {
			if !p.IsValid() {
				continue
			}
			if !c.candidate() {
				if t.inactive == nil {
					t.inactive = labeltree.New[[]int32]()
				}
				if ids, _ := t.inactive.Get(p); !slices.Contains(ids, id) {
					t.inactive.Insert(p, append(ids, id))
				}
				continue
			}
			// The candidates' claims are indexed by pattern in nodes
			// (and anyClaim) before any folding, so a claim already
			// there is a conflict; the first claimant keeps it.
			var e node
			claim := &t.anyClaim
			switch p.Kind() {
			case domain.Exact:
				e = b.node(p.Base())
				claim = &e.exact
			case domain.Wildcard:
				e = b.node(p.Base())
				claim = &e.wild
			}
			if *claim != 0 {
				if old := t.claims[*claim-1].conn + 1; old != id {
					b.conflicts = append(b.conflicts, &ConflictError{First: t.conns[old-1].Name, Second: c.Name,
						FirstIndex: int(old - 1), SecondIndex: i, Field: "RecipientDomains", Pattern: p, PatternIndex: j})
				}
				continue
			}
			t.claims = append(t.claims, claimRef{conn: id - 1, pat: int32(j)})
			*claim = int32(len(t.claims))
			if p.Kind() != domain.Any {
				t.nodes[p.Base().String()] = e
			}
		}
	}
}

// names sorts the name index and reports names used twice.
func (b *builder) names() {
	t := b.t
	name := func(id int32) string { return t.conns[id-1].Name }
	slices.SortStableFunc(t.byName, func(x, y int32) int { return compareFold(name(x), name(y)) })
	first := int32(0)
	for k, id := range t.byName {
		if k == 0 || compareFold(name(t.byName[k-1]), name(id)) != 0 {
			first = id
			continue
		}
		b.errs = append(b.errs, &ValidationError{Connector: name(id), Index: int(id - 1), Field: "Name",
			Msg: fmt.Sprintf("not unique: connectors %d and %d are both named %q (names are compared ignoring case)", first-1, id-1, name(first))})
	}
}

// acceptedDomains validates the accepted domains and indexes them.
func (b *builder) acceptedDomains() {
	t := b.t
	for i, a := range t.accepted {
		if err := a.Validate(); err != nil {
			b.errs = append(b.errs, &AcceptedDomainError{Index: i, Domain: a, Msg: err.(*domain.Error).Message(), Err: err})
			continue
		}
		e := b.node(a.Name)
		if e.accSelf != 0 {
			b.errs = append(b.errs, &AcceptedDomainError{Index: i, Domain: a,
				Msg: fmt.Sprintf("%s is already accepted domain %d", a.Name, e.accSelf-1)})
			continue
		}
		e.accSelf = int32(i) + 1
		if a.MatchSubDomains {
			e.accSub = e.accSelf
		}
		t.nodes[a.Name.String()] = e
	}
}

// fold copies into every node what its nearest known ancestor knows: the
// longest wildcard and the nearest accepted domain matching subdomains
// above it. Parents come first, so each ancestor is complete when read.
func (b *builder) fold() {
	t := b.t
	slices.SortFunc(b.known, func(x, y domain.Name) int { return cmp.Compare(len(x.Key()), len(y.Key())) })
	t.minLen = 256
	for _, n := range b.known {
		t.lens.add(len(n.String()))
		t.minLen = min(t.minLen, len(n.String()))
		e := t.nodes[n.String()]
		for p, ok := n.Parent(); ok; p, ok = p.Parent() {
			up, known := t.nodes[p.String()]
			if !known {
				continue
			}
			if e.wild == 0 {
				e.wild = up.wild
			}
			if e.accSub == 0 {
				e.accSub = up.accSub
			}
			t.nodes[n.String()] = e
			break
		}
	}
}

// Precedence returns the table's precedence policy.
func (t *Table) Precedence() Precedence { return t.precedence }

// Len returns the number of connectors in the table, candidates or not.
func (t *Table) Len() int { return len(t.conns) }

// Connectors yields every connector in the table, in the order given to
// [NewTable]. They point into the table and must not be modified.
func (t *Table) Connectors() iter.Seq[*Outbound] {
	return func(yield func(*Outbound) bool) {
		for i := range t.conns {
			if !yield(&t.conns[i]) {
				return
			}
		}
	}
}

// AcceptedDomains returns a copy of the table's accepted domains.
func (t *Table) AcceptedDomains() []domain.AcceptedDomain { return slices.Clone(t.accepted) }

// ByName returns the connector named name (ignoring case), whether it is a
// candidate or not. It is how a mail flow rule's
// RouteMessageOutboundConnector finds a rule-scoped connector. The result
// points into the table and must not be modified.
func (t *Table) ByName(name string) (*Outbound, bool) {
	k, ok := slices.BinarySearchFunc(t.byName, name, func(id int32, name string) int {
		return compareFold(t.conns[id-1].Name, name)
	})
	if !ok {
		return nil, false
	}
	return &t.conns[t.byName[k]-1], true
}

// Select returns the outbound connector for recipient domain d under the
// table's precedence, the rule that decided and the pattern that matched.
// It does not allocate; [Table.Explain] says why, at a cost. An invalid
// (zero) d selects nothing.
func (t *Table) Select(d domain.Name) Selection {
	return t.pick(d, t.precedence, false)
}

// SelectBelow returns what [Table.Select] returns for the domains strictly
// below d that the table does not know by name (no connector lists them,
// and none is an accepted domain): the answer for a representative
// subdomain of d, as for a name under a wildcard *.d. Known names below d
// have their own answers; ask Select for them.
func (t *Table) SelectBelow(d domain.Name) Selection {
	return t.pick(d, t.precedence, true)
}

// SelectAddress is [Table.Select] for the domain of an envelope address
// ("john@contoso.com", "<john@contoso.com>"). The null path, address
// literals and malformed addresses are errors from [domain.FromAddress].
func (t *Table) SelectAddress(addr string) (Selection, error) {
	d, err := domain.FromAddress(addr)
	if err != nil {
		return Selection{}, err
	}
	return t.Select(d), nil
}

// cloneOutbounds copies connectors deeply enough that the caller's later
// changes to its slices do not reach the table.
func cloneOutbounds(cs []Outbound) []Outbound {
	out := make([]Outbound, len(cs))
	for i := range cs {
		out[i] = cs[i].Clone()
	}
	return out
}

// pick is Select under precedence p. With below set it answers for the
// names strictly below d that are not in t.nodes themselves (used by
// Disagreements): d's own entry then counts only as a parent.
//
// It walks from d up through its parents to the first name the table
// knows, looking up only names of a length some known name has; that
// name's node holds the whole answer.
func (t *Table) pick(d domain.Name, p Precedence, below bool) Selection {
	if !d.IsValid() {
		return Selection{}
	}
	for n, self := d, !below; len(n.String()) >= t.minLen; self = false {
		if t.lens.has(len(n.String())) {
			if e, ok := t.nodes[n.String()]; ok {
				return t.decide(&e, self, p)
			}
		}
		var ok bool
		if n, ok = n.Parent(); !ok {
			break
		}
	}
	if t.anyClaim != 0 {
		return Selection{t, t.anyClaim, RuleAny}
	}
	return Selection{}
}

// ruleOrder is each precedence policy's order of the rules: the one
// definition that Select (decide), Explain (rank) and Disagreements
// (policyDecides) follow.
var ruleOrder = [...][4]Rule{
	MostSpecific: {RuleExact, RuleWildcard, RuleAllAccepted, RuleAny},
	ListedOrder:  {RuleExact, RuleAllAccepted, RuleWildcard, RuleAny},
}

// position returns where rule r comes in policy p's order, 0 first;
// len(order) for RuleNone.
func position(p Precedence, r Rule) int {
	for i, x := range ruleOrder[p] {
		if x == r {
			return i
		}
	}
	return len(ruleOrder[p])
}

// wildBeforeAll is, for each policy, whether a wildcard beats an
// all-accepted claim: the one place decide reads ruleOrder, precomputed
// so that the lookup path stays a handful of comparisons. Exact is first
// and * last under every policy (TestRuleOrder).
var wildBeforeAll = func() (out [len(ruleOrder)]bool) {
	for p := range ruleOrder {
		out[p] = position(Precedence(p), RuleWildcard) < position(Precedence(p), RuleAllAccepted)
	}
	return out
}()

// decide answers from the node of the recipient domain itself (self) or of
// its nearest known ancestor: the first rule of p's order that has a
// candidate.
func (t *Table) decide(e *node, self bool, p Precedence) Selection {
	if self && e.exact != 0 {
		return Selection{t, e.exact, RuleExact}
	}
	acc := e.accSub
	if self && e.accSelf != 0 {
		acc = e.accSelf
	}
	if t.allConn == 0 {
		acc = 0
	}
	switch {
	case e.wild != 0 && (acc == 0 || wildBeforeAll[p]):
		return Selection{t, e.wild, RuleWildcard}
	case acc != 0:
		return Selection{t, acc, RuleAllAccepted}
	case t.anyClaim != 0:
		return Selection{t, t.anyClaim, RuleAny}
	}
	return Selection{}
}

// acceptedPattern returns the accepted domain that covers d (the most
// specific one), as a pattern: exact, or *.x for a domain matching
// subdomains.
func (t *Table) acceptedPattern(d domain.Name) (domain.Pattern, bool) {
	for n, self := d, true; ; self = false {
		if e, ok := t.nodes[n.String()]; ok {
			acc := e.accSub
			if self && e.accSelf != 0 {
				acc = e.accSelf
			}
			if acc == 0 {
				return domain.Pattern{}, false
			}
			return t.accepted[acc-1].Pattern(), true
		}
		var ok bool
		if n, ok = n.Parent(); !ok {
			return domain.Pattern{}, false
		}
	}
}

// compareFold orders strings by their runes mapped with unicode.ToLower,
// without allocating: the order, and the equality, of names "ignoring
// case".
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra < utf8.RuneSelf && rb < utf8.RuneSelf { // ASCII fast path
			if 'A' <= ra && ra <= 'Z' {
				ra += 'a' - 'A'
			}
			if 'A' <= rb && rb <= 'Z' {
				rb += 'a' - 'A'
			}
		} else {
			ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		}
		if c := cmp.Compare(ra, rb); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}
