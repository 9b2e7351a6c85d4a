package main

import (
	"flag"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.md from testdata/raw.txt")

// testdata/raw.txt is real output of the benchmarks (benchmarks/run.sh's
// loop with 6 rounds, MAILFLOW_BENCH_SIZES=10,1000, -benchtime 10ms for
// lookups and 1x for builds, on a 2-CPU AMD EPYC), and
// testdata/benchstat.txt is `benchstat raw.txt` of it.

// readRaw parses testdata/raw.txt; a missing file fails the test.
func readRaw(t *testing.T) *results {
	t.Helper()
	f, err := os.Open("testdata/raw.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parse(f, "testdata/raw.txt")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseRealOutput(t *testing.T) {
	res := readRaw(t)
	if len(res.skipped) != 0 {
		t.Errorf("skipped lines of real output: %q", res.skipped)
	}
	if res.cpu != "AMD EPYC" {
		t.Errorf("cpu %q, want AMD EPYC", res.cpu)
	}
	n := 0
	for _, m := range res.samples {
		n += len(m["ns/op"])
	}
	if n != 384 { // grep -c '^Benchmark' testdata/raw.txt
		t.Errorf("%d ns/op samples, want 384, one per benchmark line", n)
	}
	// BenchmarkSelect/n=10/op=table/q=exact-2 in round order: units and
	// values as printed (ns/op, not benchfmt's tidied sec/op), order kept.
	got := res.samples["Select/n=10/op=table/q=exact"]["ns/op"]
	want := []float64{19.83, 17.01, 25.07, 5388, 58.21, 18.77}
	if !slices.Equal(got, want) {
		t.Errorf("Select/n=10/op=table/q=exact ns/op = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name, unit string
		first      float64
	}{
		// The GOMAXPROCS suffix goes, a "-64k" in the name stays.
		{"Select/n=10/op=table/q=mixed-64k", "ns/op", 32.72},
		{"Select/n=10/op=table/q=mixed-64k", "exact-allocs/op", 0},
		{"Select/n=10/op=floor/q=mixed-64k", "B/op", 0},
		// Custom units with "ns" or "B" in them are not rescaled.
		{"AttributeLatency/n=1000/s=mixed", "p50-ns", 311},
		{"AttributeLatency/n=1000/s=mixed", "p99-ns", 2354},
		{"AttributeLatency/n=1000/s=mixed", "clock-ns", 20},
		{"NewTable/n=1000", "index-B/name", 85.74},
		{"NewTable/n=1000", "allocs/op", 1528},
		{"NewDirectory/n=10", "cpu-s/op", 0.0001510},
	} {
		v := res.samples[tc.name][tc.unit]
		if len(v) != 6 || v[0] != tc.first {
			t.Errorf("%s %s = %v, want 6 rounds starting with %v", tc.name, tc.unit, v, tc.first)
		}
	}
	if got := res.sizes("Select"); !slices.Equal(got, []int{10, 1000}) {
		t.Errorf("Select sizes %v, want [10 1000]", got)
	}
	if _, ok := res.samples["Select/n=10/op=table/q=exact-2"]; ok {
		t.Error("a name kept its GOMAXPROCS suffix")
	}
}

// TestParseLines checks lines copied from testdata/raw.txt next to what
// else go test can print: a benchmark name alone (-v), a malformed
// result, a failure.
func TestParseLines(t *testing.T) {
	raw := `goos: linux
goarch: amd64
pkg: github.com/mailflow-go/mailflow/benchmarks
cpu: AMD EPYC
BenchmarkSelect/n=10/op=table/q=exact
BenchmarkSelect/n=10/op=table/q=exact-2         	  584404	        19.83 ns/op	         0 exact-allocs/op	       0 B/op	       0 allocs/op
BenchmarkAttributeLatency/n=1000/s=mixed-2      	   14168	       734.5 ns/op	        20.00 clock-ns	       311.0 p50-ns	       921.0 p90-ns	      2354 p99-ns	       0 B/op	       0 allocs/op
BenchmarkNewTable/n=1000-2         	       1	    517904 ns/op	        85.74 index-B/name	       174.3 records-B/name	  352368 B/op	    1528 allocs/op
BenchmarkCert/op=match-host/q=match-2   	 1000	 twelve ns/op
--- FAIL: BenchmarkCert/op=match-host/q=miss-2
PASS
`
	res, err := parse(strings.NewReader(raw), "raw")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.skipped) != 1 || !strings.Contains(res.skipped[0], "raw:9") {
		t.Errorf("skipped %q, want the malformed line 9 alone", res.skipped)
	}
	if len(res.samples) != 3 {
		t.Errorf("%d benchmarks, want 3: %v", len(res.samples), res.samples)
	}
	for _, tc := range []struct {
		name, unit string
		want       float64
	}{
		{"Select/n=10/op=table/q=exact", "ns/op", 19.83},
		{"AttributeLatency/n=1000/s=mixed", "ns/op", 734.5},
		{"AttributeLatency/n=1000/s=mixed", "p90-ns", 921},
		{"NewTable/n=1000", "ns/op", 517904},
		{"NewTable/n=1000", "records-B/name", 174.3},
	} {
		if v, ok := res.median(tc.name, tc.unit); !ok || v != tc.want {
			t.Errorf("median(%s, %s) = %v, %v; want %v", tc.name, tc.unit, v, ok, tc.want)
		}
	}
}

func TestMedianAndRatios(t *testing.T) {
	res := readRaw(t)
	for _, tc := range []struct {
		v    []float64
		want float64
	}{
		{[]float64{30, 10, 20}, 20},
		{[]float64{19.83, 17.01, 25.07, 5388, 58.21, 18.77}, (19.83 + 25.07) / 2},
		{[]float64{7}, 7},
	} {
		in := append([]float64(nil), tc.v...)
		if got := medianOf(in); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("medianOf(%v) = %v, want %v", tc.v, got, tc.want)
		}
		if !slices.Equal(in, tc.v) {
			t.Errorf("medianOf reordered its input: %v", in)
		}
	}
	// Six samples give a 95% confidence interval, three do not.
	if s := summary(res.samples["Select/n=10/op=table/q=exact"]["ns/op"]); s.Lo > s.Center || s.Center > s.Hi || math.IsInf(s.Hi, 0) {
		t.Errorf("summary of 6 samples: %+v, want a finite interval around the median", s)
	}
	if s := summary([]float64{1, 2, 3}); !math.IsInf(s.Lo, -1) || len(s.Warnings) == 0 {
		t.Errorf("summary of 3 samples: %+v, want -Inf and a warning", s)
	}
	// The ratio pairs rounds: the median of the per-round quotients, which
	// the outlier round (5388 ns) cannot move the way a ratio of medians
	// would.
	r := &report{res: res}
	a, b := "Select/n=10/op=table/q=exact", "Select/n=10/op=floor/q=exact"
	got, ok := r.ratio(a, b)
	x, y := res.samples[a]["ns/op"], res.samples[b]["ns/op"]
	q := make([]float64, len(x))
	for i := range x {
		q[i] = x[i] / y[i]
	}
	if want := medianOf(q); !ok || got != want {
		t.Errorf("ratio = %v, %v; want %v", got, ok, want)
	}
	if !slices.Equal(res.samples[a]["ns/op"], []float64{19.83, 17.01, 25.07, 5388, 58.21, 18.77}) {
		t.Errorf("ratio reordered the samples: %v", res.samples[a]["ns/op"])
	}
}

// TestReportGolden writes the report of testdata/raw.txt and compares it
// with testdata/report.golden.md, which the hand-written parser of
// earlier versions produced from the same input: the tables and verdicts
// must not change. go test -update rewrites the golden file.
func TestReportGolden(t *testing.T) {
	res := readRaw(t)
	summary, err := os.ReadFile("testdata/benchstat.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := &report{res: res, summary: string(summary), command: "benchmarks/run.sh",
		settings:   "6 rounds, sizes 10,1000, -benchtime 10ms for lookups and 1x for builds",
		elapsed:    "0 min 33 s",
		loadBefore: "0.50 0.40 0.30 1/80 100", loadAfter: "0.90 0.60 0.40 1/80 200",
		machine: "go1.26.8 linux/amd64, AMD EPYC, 2 CPUs, 24 GiB RAM, 2026-12-04 20:48 UTC"}
	var b strings.Builder
	r.write(&b)
	if *update {
		if err := os.WriteFile("testdata/report.golden.md", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/report.golden.md")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("report differs from testdata/report.golden.md at line %d:\n got: %s\nwant: %s", i+1, g, w)
			}
		}
	}
	for _, s := range []string{"## Verdicts", "| Select ≤ 3× the floor at every N (mixed load) | Select ÷ floor", "## Select: one table of N connectors", "## Attribute: directories of N tenants", "## Build and memory", "## certmatch", "## Scaling from 10 to 1k", "## Appendix: benchstat"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("report lacks %q", s)
		}
	}
}

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{12.34: "12 ns", 1234: "1.23 µs", 6.1e6: "6.1 ms", 7.8e9: "7.80 s", 3.456: "3.46 ns"} {
		if got := fmtNs(v); got != want {
			t.Errorf("fmtNs(%v) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{2.345: "2.35×", 58.2: "58×", 30223.4: "30,223×"} {
		if got := fmtX(v); got != want {
			t.Errorf("fmtX(%v) = %q, want %q", v, got, want)
		}
	}
	for n, want := range map[int]string{10: "10", 1000: "1k", 100_000: "100k", 1_000_000: "1M", 1500: "1500"} {
		if got := fmtN(n); got != want {
			t.Errorf("fmtN(%d) = %q, want %q", n, got, want)
		}
	}
}
