package benchmarks

import (
	"strconv"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/mailflowdiff"
)

// BenchmarkDiff compares the world of each size of MAILFLOW_BENCH_SIZES
// with a copy (every tenant cloned, as two loaded files are) in which one
// tenant has one more outbound connector, for *.changed.example: the
// "one-tenant change in a 1M-tenant world" of issue 17. changes/op is what
// it reported.
func BenchmarkDiff(b *testing.B) {
	for _, n := range sizes(b) {
		b.Run("tenants="+strconv.Itoa(n), func(b *testing.B) {
			wd := directory(b, n)
			ts := make([]attribution.Tenant, n)
			for i, t := range wd.w.Tenants {
				ts[i] = t.Clone()
			}
			k := n / 2
			ts[k].OutboundConnectors = append(ts[k].OutboundConnectors, connector.Outbound{
				Name: "Diff benchmark", Enabled: true, ConnectorType: connector.Partner,
				RecipientDomains: []domain.Pattern{domain.MustParsePattern("*.changed.example")},
				SmartHosts:       []connector.SmartHost{connector.MustParseSmartHost("relay.changed.example")},
			})
			nd, err := attribution.NewDirectory(ts)
			if err != nil {
				b.Fatal(err)
			}
			old := mailflowdiff.Side{Tenants: wd.w.Tenants, Directory: wd.dir}
			new := mailflowdiff.Side{Tenants: ts, Directory: nd}
			var changes int
			b.ResetTimer()
			for b.Loop() {
				changes = len(mailflowdiff.Compare(old, new).Changes)
			}
			b.ReportMetric(float64(changes), "changes/op")
			if changes == 0 {
				b.Fatal("the change was not found")
			}
		})
	}
}
