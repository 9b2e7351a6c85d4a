package benchmarks

import (
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"

	"github.com/mailflow-go/mailflow/internal/mailgraph"
)

// BenchmarkGraph draws from the world of each size of MAILFLOW_BENCH_SIZES
// (issue 17): one tenant (--tenant: the directory's index, then that
// tenant alone), one domain (--domain: every tenant is asked whether it
// names the domain), and the whole world, which past 500 nodes is the
// refusal with the node count (every tenant counted, nothing kept).
// Each op builds the graph and writes it as DOT; nodes/op is its size.
func BenchmarkGraph(b *testing.B) {
	for _, n := range sizes(b) {
		wd := directory(b, n)
		mid := wd.w.Tenants[n/2]
		filters := []struct {
			name string
			f    mailgraph.Filter
		}{
			{"tenant", mailgraph.Filter{Tenant: mid.ID}},
			{"domain", mailgraph.Filter{Domain: mid.AcceptedDomains[0].Name}},
			{"all", mailgraph.Filter{}},
		}
		for _, f := range filters {
			b.Run("tenants="+strconv.Itoa(n)+"/"+f.name, func(b *testing.B) {
				var nodes int
				for b.Loop() {
					nodes = drawDOT(b, wd.dir, f.f)
				}
				b.ReportMetric(float64(nodes), "nodes/op")
			})
		}
	}
}

// drawDOT builds the graph f selects and writes it as DOT, and returns its
// number of nodes (the count of the refusal, past the limit). It is a
// function of its own because Go 1.26.8's compiler crashes on the switch
// over errors.As inside the b.Loop body (escape analysis, a nil type).
func drawDOT(b *testing.B, dir *attribution.Directory, f mailgraph.Filter) int {
	g, err := mailgraph.Build(dir, f)
	var tl *mailgraph.TooLargeError
	switch {
	case errors.As(err, &tl):
		return tl.Nodes
	case err != nil:
		b.Fatal(err)
	}
	if err := mailgraph.WriteDOT(io.Discard, g); err != nil {
		b.Fatal(err)
	}
	return len(g.Nodes)
}
