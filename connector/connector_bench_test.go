package connector

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/labeltree"
)

// benchData is one generated configuration and its query pools.
type benchData struct {
	table *Table
	// floor holds every name the table knows, for the map-lookup floor.
	floor map[string]int32
	// twoFrozen is the alternative this package did not take: one
	// labeltree.Frozen for the recipient patterns, one for the accepted
	// domains (see BenchmarkSelect).
	recipients, accepted *labeltree.Frozen[int32]
	pools                map[string][]domain.Name
}

const poolSize = 1024

var (
	benchMu    sync.Mutex
	benchCache = map[int]*benchData{}
)

// benchTable returns a table of n Partner connectors, one pattern each (60%
// exact, 40% wildcard, as DESIGN.md's reference figures), plus an
// AllAcceptedDomains connector and n/10+3 accepted domains that no
// connector lists; built once per n with a fixed seed.
func benchTable(b *testing.B, n int) *benchData {
	benchMu.Lock()
	defer benchMu.Unlock()
	if d, ok := benchCache[n]; ok {
		return d
	}
	r := rand.New(rand.NewPCG(uint64(n), 42))
	tlds := []string{"com", "net", "org", "de", "co.uk", "com.au"}
	var exact, wild, acc []domain.Name
	conns := make([]Outbound, 0, n+1)
	for i := range n {
		base := domain.MustParse(fmt.Sprintf("d%d-%x.%s", i, r.Uint32(), tlds[r.IntN(len(tlds))]))
		c := Outbound{Name: fmt.Sprintf("C%d", i), Enabled: true, ConnectorType: Partner, UseMXRecord: true}
		if r.IntN(10) < 6 {
			c.RecipientDomains = []domain.Pattern{domain.ExactPattern(base)}
			exact = append(exact, base)
		} else {
			c.RecipientDomains = []domain.Pattern{domain.WildcardPattern(base)}
			wild = append(wild, base)
		}
		conns = append(conns, c)
	}
	all := Outbound{Name: "All", Enabled: true, ConnectorType: OnPremises, AllAcceptedDomains: true,
		SmartHosts: []SmartHost{MustParseSmartHost("mail.contoso.com")}}
	conns = append(conns, all)
	var accepted []domain.AcceptedDomain
	for i := range n/10 + 3 {
		a := domain.MustParse(fmt.Sprintf("accepted%d.contoso%d.com", i, i%7))
		accepted = append(accepted, domain.AcceptedDomain{Name: a})
		acc = append(acc, a)
	}
	tab, err := NewTable(conns, accepted)
	if err != nil {
		b.Fatal(err)
	}

	d := &benchData{table: tab, floor: map[string]int32{}, pools: map[string][]domain.Name{}}
	rt, at := labeltree.New[int32](), labeltree.New[int32]()
	for i, c := range conns {
		for _, p := range c.RecipientDomains {
			rt.Insert(p, int32(i)+1)
			d.floor[p.Base().String()] = int32(i) + 1
		}
	}
	for _, a := range accepted {
		at.Insert(a.Pattern(), 1)
		d.floor[a.Name.String()] = 1
	}
	d.recipients, d.accepted = rt.Freeze(), at.Freeze()

	pick := func(names []domain.Name, f func(domain.Name) domain.Name) []domain.Name {
		out := make([]domain.Name, poolSize)
		for i := range out {
			out[i] = f(names[r.IntN(len(names))])
		}
		return out
	}
	same := func(x domain.Name) domain.Name { return x }
	d.pools["exact"] = pick(exact, same)
	// One level below a wildcard base: "mail.d7-….com".
	d.pools["wildcard"] = pick(wild, func(x domain.Name) domain.Name { return domain.MustParse("mail." + x.String()) })
	d.pools["all-accepted"] = pick(acc, same)
	d.pools["miss"] = pick([]domain.Name{{}}, func(domain.Name) domain.Name {
		return domain.MustParse(fmt.Sprintf("host%d.example%d.org", r.IntN(1e6), r.IntN(100)))
	})
	mixed := make([]domain.Name, 0, poolSize)
	for i := range poolSize / 4 {
		for _, k := range []string{"exact", "wildcard", "all-accepted", "miss"} {
			mixed = append(mixed, d.pools[k][i])
		}
	}
	d.pools["mixed"] = mixed
	benchCache[n] = d
	return d
}

// twoFrozenSelect is Select (most-specific) over two labeltree.Frozen
// indexes: the design the package measured and did not take.
func (d *benchData) twoFrozenSelect(n domain.Name) int32 {
	if p, v, ok := d.recipients.Match(n); ok && p.Kind() != domain.Any {
		return v
	}
	if _, _, ok := d.accepted.Match(n); ok {
		return -1
	}
	return 0
}

// BenchmarkSelect measures Select on hits of each rule and on a miss, at
// 10 and 100,000 connectors, next to the floor DESIGN.md sets targets
// against (one Go map lookup of the whole name, over every name the table
// knows) and next to the alternative of two labeltree.Frozen indexes
// (recipient patterns, accepted domains). Queries cycle through a pool of
// 1,024 names.
//
//	go test -run '^$' -bench BenchmarkSelect -benchtime=200ms -count=3 ./connector
func BenchmarkSelect(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		d := benchTable(b, n)
		b.Run(fmt.Sprintf("n=%d/floor-map", n), func(b *testing.B) {
			b.ReportAllocs()
			pool, hits := d.pools["mixed"], int32(0)
			i := 0
			for b.Loop() {
				hits += d.floor[pool[i&(poolSize-1)].String()]
				i++
			}
			sinkInt = hits
		})
		for _, kind := range []string{"exact", "wildcard", "all-accepted", "miss", "mixed"} {
			b.Run(fmt.Sprintf("n=%d/select-%s", n, kind), func(b *testing.B) {
				b.ReportAllocs()
				pool, hits := d.pools[kind], 0
				i := 0
				for b.Loop() {
					if d.table.Select(pool[i&(poolSize-1)]).Connector() != nil {
						hits++
					}
					i++
				}
				sinkInt = int32(hits)
			})
		}
		b.Run(fmt.Sprintf("n=%d/two-frozen-mixed", n), func(b *testing.B) {
			b.ReportAllocs()
			pool, hits := d.pools["mixed"], int32(0)
			i := 0
			for b.Loop() {
				hits += d.twoFrozenSelect(pool[i&(poolSize-1)])
				i++
			}
			sinkInt = hits
		})
	}
}

var sinkInt int32

// BenchmarkNewTable measures building a table of n connectors (one pattern
// each, 60% exact) and reports the heap the index takes per pattern beyond
// the table's copy of the connector records (index-B/pattern).
//
//	go test -run '^$' -bench BenchmarkNewTable -benchtime=3x ./connector
func BenchmarkNewTable(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		conns := make([]Outbound, n)
		for i := range conns {
			p := domain.ExactPattern(domain.MustParse(fmt.Sprintf("d%d.example%d.com", i, i%1000)))
			if i%10 >= 6 {
				p = domain.WildcardPattern(p.Base())
			}
			conns[i] = Outbound{Name: fmt.Sprintf("C%d", i), Enabled: true, ConnectorType: Partner, UseMXRecord: true, RecipientDomains: []domain.Pattern{p}}
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			before := heapInUse()
			records := cloneOutbounds(conns)
			withRecords := heapInUse()
			tab, err := NewTable(conns, nil)
			if err != nil {
				b.Fatal(err)
			}
			after := heapInUse()
			runtime.KeepAlive(records)
			runtime.KeepAlive(tab)
			index := float64(after-withRecords) - float64(withRecords-before)
			for b.Loop() {
				if _, err := NewTable(conns, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(index/float64(n), "index-B/pattern")
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestBenchPools checks that the benchmark's pools hit the rule they are
// named after.
func TestBenchPools(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a benchmark table")
	}
	b := &testing.B{}
	d := benchTable(b, 1000)
	for kind, want := range map[string]Rule{"exact": RuleExact, "wildcard": RuleWildcard, "all-accepted": RuleAllAccepted, "miss": RuleNone} {
		for _, n := range d.pools[kind] {
			if got := d.table.Select(n).Rule(); got != want {
				t.Fatalf("pool %s: Select(%s) = %s", kind, n, got)
			}
			if (d.twoFrozenSelect(n) != 0) != (want != RuleNone) {
				t.Fatalf("pool %s: twoFrozenSelect(%s) disagrees", kind, n)
			}
		}
	}
}
