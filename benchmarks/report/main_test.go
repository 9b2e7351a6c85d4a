package main

import (
	"strings"
	"testing"
)

func TestParseAndMedian(t *testing.T) {
	raw := `goos: linux
cpu: AMD EPYC
BenchmarkSelect/n=10/op=table/q=mixed-2   	 1000	        30.0 ns/op	         0 exact-allocs/op	       0 B/op	       0 allocs/op
BenchmarkSelect/n=10/op=table/q=mixed-2   	 1000	        10.0 ns/op	         0 exact-allocs/op	       0 B/op	       0 allocs/op
BenchmarkSelect/n=10/op=table/q=mixed-2   	 1000	        20.0 ns/op	         0.5 exact-allocs/op	       0 B/op	       0 allocs/op
BenchmarkSelect/n=1000/op=floor/q=mixed   	 1000	        5 ns/op
PASS
`
	res, err := parse(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if res.cpu != "AMD EPYC" {
		t.Errorf("cpu %q", res.cpu)
	}
	if v, ok := res.median("Select/n=10/op=table/q=mixed", "ns/op"); !ok || v != 20 {
		t.Errorf("median %v %v, want 20", v, ok)
	}
	if v, at, _ := res.max("Select/", "exact-allocs/op"); v != 0.5 || at != "Select/n=10/op=table/q=mixed" {
		t.Errorf("max %v at %q", v, at)
	}
	if got := res.sizes("Select"); len(got) != 2 || got[0] != 10 || got[1] != 1000 {
		t.Errorf("sizes %v", got)
	}
	for v, want := range map[float64]string{12.34: "12 ns", 1234: "1.23 µs", 6.1e6: "6.1 ms", 7.8e9: "7.80 s"} {
		if got := fmtNs(v); got != want {
			t.Errorf("fmtNs(%v) = %q, want %q", v, got, want)
		}
	}
}
