package benchmarks

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
)

// BenchmarkLint runs attribution.Lint over the generated world at each
// size of MAILFLOW_BENCH_SIZES; findings/op says how much it reported.
// The issue-14 targets: 1M tenants in at most 60 s, and 1M/100k at most
// 12× (compare ns/op within one run).
func BenchmarkLint(b *testing.B) {
	for _, n := range sizes(b) {
		b.Run("tenants="+strconv.Itoa(n), func(b *testing.B) {
			d := directory(b, n).dir
			var found int
			// Collect the world's and the build's garbage first, so
			// that the first iteration does not pay for the setup.
			runtime.GC()
			b.ResetTimer()
			for b.Loop() {
				found = len(attribution.Lint(d))
			}
			b.ReportMetric(float64(found), "findings/op")
		})
	}
}
