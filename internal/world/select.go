package world

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// PoolSize is the number of precomputed queries a benchmark cycles through.
const PoolSize = 1024

// SelectKinds are the query pools of a [SelectWorld], in report order.
var SelectKinds = []string{"exact", "wildcard-d1", "wildcard-d2", "wildcard-d3", "all-accepted", "miss", "mixed"}

// SelectWorld is one outbound connector table of n connectors, the shape
// DESIGN.md's reference figures use, and query pools for it.
type SelectWorld struct {
	// Connectors are n Partner connectors with one recipient domain
	// pattern each (60% exact, 40% wildcard), then one OnPremises
	// connector with AllAcceptedDomains. No connector lists "*", so a miss
	// walks the whole name and selects nothing.
	Connectors []connector.Outbound
	// Accepted are n/10+3 accepted domains no connector lists, one in five
	// InternalRelay with MatchSubDomains.
	Accepted []domain.AcceptedDomain
	Table    *connector.Table
	// Pools holds PoolSize parsed names per kind of [SelectKinds]:
	//
	//	exact         a name listed exactly
	//	wildcard-dK   a name K labels below the base of a wildcard
	//	all-accepted  an accepted domain (3 in 4) or a name one label below
	//	              a MatchSubDomains one (1 in 4)
	//	miss          a name no pattern covers, 2–4 labels
	//	mixed         a quarter each of exact, wildcard (depths 1–3 in
	//	              turn), all-accepted and miss, interleaved
	//	mixed-64k     the same, LargePoolSize names
	Pools map[string][]domain.Name
}

// NewSelectWorld generates the table of n connectors (fixed seed).
func NewSelectWorld(n int) (*SelectWorld, error) {
	r := rand.New(rand.NewPCG(Seed, 0x5e1ec7+uint64(n)))
	w := &SelectWorld{Pools: map[string][]domain.Name{}}
	var exact, wild []domain.Name
	w.Connectors = make([]connector.Outbound, 0, n+1)
	for i := range n {
		s := pick(r, words) + id36(i) + "." + pickTLD(r)
		if r.IntN(5) == 0 {
			s = pick(r, subLabels) + "." + s // a deeper base: eu.contoso.co.uk
		}
		base := mustName(s)
		c := connector.NewOutbound("C" + id36(i))
		if r.IntN(10) < 6 {
			c.RecipientDomains = []domain.Pattern{domain.ExactPattern(base)}
			exact = append(exact, base)
		} else {
			c.RecipientDomains = []domain.Pattern{domain.WildcardPattern(base)}
			wild = append(wild, base)
		}
		w.Connectors = append(w.Connectors, c)
	}
	all := connector.NewOutbound("All accepted domains")
	all.ConnectorType, all.AllAcceptedDomains, all.UseMXRecord = connector.OnPremises, true, false
	all.SmartHosts = []connector.SmartHost{connector.MustParseSmartHost("mail.contoso.com")}
	w.Connectors = append(w.Connectors, all)

	var acc, accSub []domain.Name
	for j := range n/10 + 3 {
		a := domain.AcceptedDomain{Name: mustName("acc" + id36(j) + "-" + pick(r, words) + "." + pickTLD(r))}
		if r.IntN(5) == 0 {
			a.Type, a.MatchSubDomains = domain.InternalRelay, true
			accSub = append(accSub, a.Name)
		}
		acc = append(acc, a.Name)
		w.Accepted = append(w.Accepted, a)
	}
	t, err := connector.NewTable(w.Connectors, w.Accepted)
	if err != nil {
		return nil, err
	}
	w.Table = t

	// Tiny tables may lack a kind; borrow the other one (the pool test
	// says which rule each pool hits).
	if len(exact) == 0 {
		exact = wild
	}
	if len(wild) == 0 {
		wild = exact
	}
	if len(accSub) == 0 {
		accSub = acc
	}
	q := queries{r: r, exact: exact, wild: wild, acc: acc, accSub: accSub}
	for _, kind := range SelectKinds[:len(SelectKinds)-1] {
		pool := make([]domain.Name, PoolSize)
		for i := range pool {
			pool[i] = q.draw(kind, i)
		}
		w.Pools[kind] = pool
	}
	w.Pools["mixed"] = q.mixed(PoolSize)
	w.Pools["mixed-64k"] = q.mixed(LargePoolSize)
	return w, nil
}

// LargePoolSize is the size of the "mixed-64k" pool: enough names that
// what their lookups touch outgrows the per-core caches, as a real stream
// of mail would.
const LargePoolSize = 1 << 16

// queries draws query names for a SelectWorld.
type queries struct {
	r                        *rand.Rand
	exact, wild, acc, accSub []domain.Name
}

// draw returns the i-th name of a pool of kind. Every name is parsed
// afresh, as a name read off the network would be: a query that shared its
// bytes with the key stored in a map would compare equal by pointer,
// without reading the key, and look cheaper than it is.
func (q *queries) draw(kind string, i int) domain.Name {
	r := q.r
	one := func(names []domain.Name) domain.Name { return mustName(names[r.IntN(len(names))].String()) }
	switch kind {
	case "exact":
		return one(q.exact)
	case "wildcard-d1", "wildcard-d2", "wildcard-d3":
		s := one(q.wild).String()
		for range int(kind[len(kind)-1] - '0') {
			s = pick(r, hostLabels) + "." + s
		}
		return mustName(s)
	case "all-accepted":
		if i%4 == 3 {
			return mustName(pick(r, hostLabels) + "." + one(q.accSub).String())
		}
		return one(q.acc)
	case "miss":
		s := "ext-" + strconv.FormatUint(r.Uint64()%1e9, 36) + "." + pickTLD(r)
		if i%2 == 1 {
			s = pick(r, hostLabels) + "." + s
		}
		return mustName(s)
	}
	panic("world: unknown pool " + kind)
}

// mixed returns size names: exact, wildcard (depths 1, 2, 3 in turn),
// all-accepted and miss, a quarter each, interleaved.
func (q *queries) mixed(size int) []domain.Name {
	out := make([]domain.Name, size)
	for i := range out {
		k := i / 4
		switch i % 4 {
		case 0:
			out[i] = q.draw("exact", k)
		case 1:
			out[i] = q.draw(fmt.Sprintf("wildcard-d%d", 1+k%3), k)
		case 2:
			out[i] = q.draw("all-accepted", k)
		case 3:
			out[i] = q.draw("miss", k)
		}
	}
	return out
}
