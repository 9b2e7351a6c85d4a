package config

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// check returns an error when the work counted for a parse of size bytes
// is more than a fixed multiple of size: what FuzzParse and
// TestParseWorkLinear hold every parse to. Each bound is the most the
// code can do when it is linear: one read by the parser, one more by a
// reader of one byte a call and re-reads within yamlErrorLine's budget (8
// times the size); one walk for the positions of a parse and one for an
// error; at most two nodes a byte (a line "?" is a mapping, its key and its
// value) besides those that aliases and merge keys expand to, which
// aliasLimit bounds; each key looked up at most twice by merges, once in
// its own mapping and once in the mapping it is merged into.
func (st *parseStats) check(size int) error {
	switch {
	case st.read > 10*size:
		return fmt.Errorf("read %d bytes for %d bytes of input", st.read, size)
	case st.walked > 2*size:
		return fmt.Errorf("walked %d bytes for positions in %d bytes of input", st.walked, size)
	case st.expanded > aliasLimit(size)+1:
		return fmt.Errorf("expanded %d nodes for %d bytes of input (limit %d)", st.expanded, size, aliasLimit(size))
	case st.nodes-st.expanded > 2*size+4:
		return fmt.Errorf("built %d nodes (%d expanded) for %d bytes of input", st.nodes, st.expanded, size)
	case st.lookups > 2*st.nodes+st.expanded:
		return fmt.Errorf("looked up %d merged keys for %d nodes (%d expanded)", st.lookups, st.nodes, st.expanded)
	}
	return nil
}

// parseStatsOf parses data as YAML or JSON and returns the error, if any,
// as "line:col: message", and the work done.
func parseStatsOf(data []byte, json bool) (string, *parseStats) {
	st := &parseStats{}
	var serr *syntaxError
	if json {
		_, serr = parseJSONStats(data, st)
	} else {
		_, serr = parseYAMLStats(data, st)
	}
	if serr == nil {
		return "", st
	}
	return fmt.Sprintf("%d:%d: %s", serr.line, serr.col, serr.msg), st
}

// slowShapes are the inputs that took time quadratic in their size (or n
// log n with a large constant) before parseStats: seconds for a few
// hundred kilobytes, 0 execs/s for FuzzParse. testdata/fuzz/FuzzParse
// holds one of each (slow-*), written by TestWriteSlowSeeds.
var slowShapes = []struct {
	name string
	json bool
	gen  func(n int) []byte
	// want is the error for size n, "" for none.
	want func(n int) string
	// seed is the size of the fuzz seed.
	seed int
}{
	{
		// Minified JSON: lineIndex counted the column of every value from
		// the start of the one line.
		name: "json-one-line", json: true, seed: 400,
		gen: func(n int) []byte {
			var b strings.Builder
			b.WriteString(`{"Tenants":[`)
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"Id":"t%d","AcceptedDomains":[{"DomainName":"d%d.example","DomainType":"Authoritative"}]}`, i, i)
			}
			b.WriteString(`]}`)
			return []byte(b.String())
		},
		want: func(int) string { return "" },
	},
	{
		// A JSON syntax error at the end: syntaxOffset bisected with a
		// full decode per probe.
		name: "json-error-at-end", json: true, seed: 300,
		gen: func(n int) []byte {
			var b strings.Builder
			b.WriteString("{\"Tenants\": [\n")
			for i := range n {
				fmt.Fprintf(&b, "  {\"Id\": \"t%d\", \"AcceptedDomains\": [{\"DomainName\": \"d%d.example\"}]},\n", i, i)
			}
			b.WriteString("  {\"Id\": tru}]}\n")
			return []byte(b.String())
		},
		want: func(n int) string {
			return fmt.Sprintf("%d:13: invalid character '}' in literal true (expecting 'e')", n+2)
		},
	},
	{
		// A YAML syntax error that the parser places at the start of the
		// enclosing block, line 1: yamlError parsed every prefix from there
		// on, line by line, and gave up (reporting line 1) after 4 MB.
		name: "yaml-error-at-end", seed: 300,
		gen: func(n int) []byte {
			var b strings.Builder
			b.WriteString("Tenants:\n")
			for i := range n {
				fmt.Fprintf(&b, "  - Id: t%d\n    AcceptedDomains: [{DomainName: d%d.example}]\n", i, i)
			}
			b.WriteString("  - Id: x\n   Bad: 1\n")
			return []byte(b.String())
		},
		want: func(n int) string { return fmt.Sprintf("%d:0: did not find expected '-' indicator", 2*n+3) },
	},
	{
		// The same in a flow list.
		name: "yaml-flow-error-at-end", seed: 300,
		gen: func(n int) []byte {
			var b strings.Builder
			b.WriteString("Tenants: [\n")
			for i := range n {
				fmt.Fprintf(&b, "  {Id: t%d, AcceptedDomains: [{DomainName: d%d.example}]},\n", i, i)
			}
			b.WriteString("  {Id: x: y}]\n")
			return []byte(b.String())
		},
		want: func(n int) string { return fmt.Sprintf("%d:0: did not find expected ',' or '}'", n+2) },
	},
	{
		// A merge key (<<) of n keys into a mapping of n keys: each merged
		// key was compared with every key (hasKeyFold).
		name: "yaml-merge-many-keys", seed: 1000,
		gen: func(n int) []byte {
			var b strings.Builder
			b.WriteString("base: &b {")
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "k%d: %d", i, i)
			}
			b.WriteString("}\nTenants:\n  - <<: *b\n")
			for i := range n {
				fmt.Fprintf(&b, "    j%d: %d\n", i, i)
			}
			return []byte(b.String())
		},
		want: func(int) string { return "" },
	},
	{
		// n aliases to a list of n: n² nodes, built until maxNodes (1<<20)
		// stopped it, a million nodes of work for a few kilobytes.
		name: "yaml-alias-fan", seed: 2000,
		gen: func(n int) []byte {
			var b strings.Builder
			b.WriteString("list: &a [" + strings.Repeat("a,", n-1) + "a]\n")
			b.WriteString("Tenants: [" + strings.Repeat("*a,", n-1) + "*a]\n")
			return []byte(b.String())
		},
		want: func(n int) string {
			size := len("list: &a [\n") + 2*n - 1 + len("Tenants: [\n") + 3*n - 1 + 2
			return fmt.Sprintf(":document nested too deeply or too large: YAML aliases expand to more than %d nodes", aliasLimit(size))
		},
	},
}

// TestParseWorkLinear: each slow shape, at two sizes, fails as it should
// and does work within a fixed multiple of its size (parseStats.check), and
// doubling the input does not much more than double the work. Nothing is
// timed.
func TestParseWorkLinear(t *testing.T) {
	for _, s := range slowShapes {
		t.Run(s.name, func(t *testing.T) {
			var work [2]int
			for i, n := range []int{500, 1000} {
				data := s.gen(n)
				got, st := parseStatsOf(data, s.json)
				want := s.want(n)
				if strings.HasPrefix(want, ":") { // position not fixed: any, but given
					if !strings.Contains(got, want[1:]) || strings.HasPrefix(got, "0:") || strings.Contains(got, ":0:") {
						t.Errorf("n=%d: error %q, want one with a line and column and %q", n, got, want[1:])
					}
				} else if got != want {
					t.Errorf("n=%d: error %q, want %q", n, got, want)
				}
				if err := st.check(len(data)); err != nil {
					t.Errorf("n=%d: %v", n, err)
				}
				work[i] = st.read + st.walked + st.nodes + st.expanded + st.lookups
			}
			if work[1] > 5*work[0]/2 {
				t.Errorf("doubling the input took the work from %d to %d", work[0], work[1])
			}
		})
	}
}

// TestHostileDocuments: alias bombs and deep nesting are refused with a
// line and a column, within the work bounds.
func TestHostileDocuments(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("a: &a [x,x,x,x,x,x,x,x,x,x]\n")
	for i := 'b'; i <= 'j'; i++ {
		bomb.WriteString(string(i) + ": &" + string(i) + " [" + strings.Repeat("*"+string(i-1)+",", 9) + "*" + string(i-1) + "]\n")
	}
	var chain strings.Builder
	for i := range 900 {
		fmt.Fprintf(&chain, "- &a%d [*a%d, *a%d]\n", i+1, i, i)
	}
	// Keys merged through nested merge keys are copied again at each
	// level: n levels copy n²/2 keys.
	var merges strings.Builder
	for i := range 450 {
		fmt.Fprintf(&merges, "{k%d: %d, <<: ", i, i)
	}
	merges.WriteString("{}" + strings.Repeat("}", 450) + "\n")
	tests := []struct {
		name string
		json bool
		data string
		want string
	}{
		{"alias bomb", false, bomb.String(), fmt.Sprintf("5:20: document nested too deeply or too large: YAML aliases expand to more than %d nodes", aliasLimit(bomb.Len()))},
		{"alias chain", false, "- &a0 x\n" + chain.String(), fmt.Sprintf("15:15: document nested too deeply or too large: YAML aliases expand to more than %d nodes", aliasLimit(8+chain.Len()))},
		{"merge chain", false, merges.String(), fmt.Sprintf("1:663: document nested too deeply or too large: YAML merge keys (<<) expand to more than %d nodes", aliasLimit(merges.Len()))},
		{"alias cycle", false, "a: &a [x, *a]\n", "1:8: document nested too deeply or too large (aliases?)"},
		{"YAML flow nesting", false, strings.Repeat("[", 1200) + strings.Repeat("]", 1200), "1:1001: document nested too deeply or too large (aliases?)"},
		{"YAML flow nesting, beyond the parser's limit", false, strings.Repeat("[", 20000), "1:1: exceeded max depth of 10000"},
		{"YAML block nesting", false, blockNesting(1100), "1000:1000: document nested too deeply or too large (aliases?)"},
		{"JSON nesting", true, strings.Repeat("[", 100000), "1:1002: nested too deeply or too large"},
		{"JSON nesting in objects", true, strings.Repeat(`{"a":`, 100000), "1:5006: nested too deeply or too large"},
	}
	for _, tc := range tests {
		got, st := parseStatsOf([]byte(tc.data), tc.json)
		if got != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
		}
		if err := st.check(len(tc.data)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// blockNesting returns n lines, each a key one space deeper than the last.
func blockNesting(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	return b.String()
}

// TestNoNodeLimit: a document without aliases may have any number of
// nodes (there was a fixed limit of 1<<20).
func TestNoNodeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 1<<20 + 1 values")
	}
	data := []byte("[" + strings.Repeat("[],", 1<<20) + "[]]") // [] is the cheapest value to read
	n, serr := parseJSON(data)
	if serr != nil {
		t.Fatalf("%d:%d: %s", serr.line, serr.col, serr.msg)
	}
	if len(n.items) != 1<<20+1 {
		t.Errorf("%d items, want %d", len(n.items), 1<<20+1)
	}
}

// TestYAMLErrorLine: the line of a YAML syntax error is the first from the
// parser's own at which the text so far fails the same way.
func TestYAMLErrorLine(t *testing.T) {
	tests := []struct{ text, want string }{
		// The parser names no line, or the enclosing block's.
		{"Tenants: : x\n", "1:0: mapping values are not allowed in this context"},
		{"Tenants:\n  - Id: a\n  Bad\n", "3:0: could not find expected ':'"},
		{"Tenants:\n  - Id: a\n    AcceptedDomains:\n      - DomainName: a.example\n     DomainType: Authoritative\n",
			"5:0: did not find expected key"},
		// An unclosed quote: the line it opens on.
		{"Tenants:\n  - Id: \"a\n\n\n", "2:0: found unexpected end of stream"},
		// A second document that does not start as one: the parser reads
		// a few lines ahead.
		{"Tenants---\n:\nTenants:\n", "2:0: did not find expected <document start>"},
		{"# c\n  a scalar\n# c\n\n\nTenants:\n", "6:0: did not find expected <document start>"},
		// Errors after many blank lines and comments.
		{"Tenants:\n  - Id: a\n" + strings.Repeat("\n# c\n", 100) + "    RejectDirectSend: [\n", fmt.Sprintf("%d:0: did not find expected node content", 203)},
	}
	for _, tc := range tests {
		if got, _ := parseStatsOf([]byte(tc.text), false); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestSyntaxOffset: the offset of the byte that makes JSON invalid.
func TestSyntaxOffset(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{`{"a": tru}`, 9},
		{`{"a": 1,}`, 8},
		{`[1 2]`, 3},
		{`{"a" 1}`, 5},
		{`["a\x"]`, 4},
		{`[-x]`, 2},
		{`{}{x`, 3},
		{"[\"\x01\"]", 2},
		{`[1, 2`, -1}, // cut short: no syntax error
	}
	for _, tc := range tests {
		if got := syntaxOffset([]byte(tc.text), -1, &parseStats{}); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.text, got, tc.want)
		}
	}
}

// TestLineIndex: positions asked in any order are those counted from the
// start of the line, in characters.
func TestLineIndex(t *testing.T) {
	data := []byte("ab\né日x\n\n\xffz\r\nend")
	naive := func(off int) (int, int) {
		start := bytes.LastIndexByte(data[:off], '\n') + 1
		return 1 + bytes.Count(data[:off], []byte{'\n'}), 1 + utf8.RuneCount(data[start:off])
	}
	li := newLineIndex(data, &parseStats{})
	for _, off := range []int{0, 1, 3, 5, 8, 9, 10, 11, 12, 2, 14, len(data), 6, 4, 3, 9, 5} {
		l, c := li.pos(off)
		if wl, wc := naive(off); l != wl || c != wc {
			t.Errorf("offset %d: %d:%d, want %d:%d", off, l, c, wl, wc)
		}
	}
}

// TestFoldKey: foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b).
func TestFoldKey(t *testing.T) {
	keys := []string{"", "a", "A", "Name", "NAME", "name", "nAmE", "k", "K", "\u212a", "s", "S", "\u017f",
		"ß", "ẞ", "σ", "Σ", "ς", "é", "É", "\xff", "\xfe", "\ufffd", "İ", "i", "ı", "I", "ǅ", "Ǆ", "ǆ", "Ω", "ω", "\u2126",
		"Kelvin", "\u212aelvin", "\u017fmtp", "SMTP", "a\xffb", "A\xfeB", "a\ufffdb"}
	for _, a := range keys {
		for _, b := range keys {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("%q, %q: foldKey equal %v (%q, %q), EqualFold %v", a, b, got, foldKey(a), foldKey(b), want)
			}
		}
	}
}

// TestMergeKeys: keys merged in order, the explicit ones and the first of
// a case-variant winning, as before the set of folded keys.
func TestMergeKeys(t *testing.T) {
	text := "a: &a {Name: one, x: 1, X: 2}\nb: &b {name: two, y: 3, Y: 4, \u212a: 5}\nc: {<<: [*a, *b], Z: 0, k: 6}\n"
	n, serr := parseYAML([]byte(text))
	if serr != nil {
		t.Fatal(serr.msg)
	}
	var got []string
	c := n.vals[2]
	for i, k := range c.keys {
		got = append(got, k.text+"="+c.vals[i].text)
	}
	if want := "Z=0 k=6 Name=one x=1 y=3"; strings.Join(got, " ") != want {
		t.Errorf("merged keys %q, want %q", strings.Join(got, " "), want)
	}
}

// TestDecodeText: byte-order marks, with and without valid UTF-16 after
// them.
func TestDecodeText(t *testing.T) {
	raw := func(b ...byte) []byte { return b }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	le := func(s string) []byte { return utf16le(s)[2:] } // without the mark
	tests := []struct {
		name     string
		in, want []byte
	}{
		{"no mark", []byte("Tenants: []\n"), []byte("Tenants: []\n")},
		{"no mark, not UTF-8", raw(0xFF, 'x'), raw(0xFF, 'x')},
		{"no mark, empty", nil, nil},
		{"UTF-8 mark", []byte("\xEF\xBB\xBFa: é"), []byte("a: é")},
		{"UTF-8 mark only", raw(0xEF, 0xBB, 0xBF), []byte{}},
		// Left for checkChars to report where it is.
		{"UTF-8 mark, then not UTF-8", []byte("\xEF\xBB\xBFa\xff"), []byte("a\xff")},
		{"UTF-16 LE", utf16le("a: é😀\r\n"), []byte("a: é😀\r\n")},
		{"UTF-16 BE", utf16be("a: é😀\r\n"), []byte("a: é😀\r\n")},
		{"UTF-16 LE, mark only", raw(0xFF, 0xFE), []byte{}},
		{"UTF-16 LE, U+FFFD as written", utf16le("a\uFFFDb"), []byte("a\uFFFDb")},
		{"UTF-16 LE, a second mark is text", utf16le("\uFEFFa"), []byte("\uFEFFa")},
		// Left undecoded for utf16Error.
		{"UTF-16 LE, unpaired high surrogate", cat(raw(0xFF, 0xFE), le("a"), raw(0x00, 0xD8), le("b")), cat(raw(0xFF, 0xFE), le("a"), raw(0x00, 0xD8), le("b"))},
		{"UTF-16 LE, high surrogate at the end", cat(raw(0xFF, 0xFE), le("a"), raw(0x3D, 0xD8)), cat(raw(0xFF, 0xFE), le("a"), raw(0x3D, 0xD8))},
		{"UTF-16 BE, unpaired low surrogate", raw(0xFE, 0xFF, 0x00, 'a', 0xDC, 0x00), raw(0xFE, 0xFF, 0x00, 'a', 0xDC, 0x00)},
		{"UTF-16 LE, odd number of bytes", cat(raw(0xFF, 0xFE), le("ab"), raw('c')), cat(raw(0xFF, 0xFE), le("ab"), raw('c'))},
	}
	for _, tc := range tests {
		got := decodeText(tc.in)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if in := []byte("a: b"); &decodeText(in)[0] != &in[0] {
		t.Error("text without a mark was copied")
	}
}

// TestUTF16Errors: UTF-16 that does not decode is reported where it goes
// wrong, in YAML, JSON and imported exports.
func TestUTF16Errors(t *testing.T) {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"c.yaml", cat(utf16le("Tenants:\n  - Id: a"), []byte{0x00, 0xD8}, utf16le("\n")[2:]),
			"c.yaml:2:10: YAML syntax error: invalid UTF-16: unpaired surrogate U+D800"},
		{"c.json", cat(utf16be(`{"Tenants": [`), []byte{0xDC, 0x00}), "c.json:1:14: JSON syntax error: invalid UTF-16: unpaired surrogate U+DC00"},
		{"c.yaml", cat(utf16le("Tenants: []\r\n"), []byte{'x'}), "c.yaml:2:1: YAML syntax error: invalid UTF-16: an odd number of bytes (the file is cut short?)"},
		{"c", cat(utf16le("Tenants: []\n"), []byte{'x'}), "c:2:1: YAML syntax error: invalid UTF-16: an odd number of bytes (the file is cut short?)"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.data, tc.name)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	_, err := parseWith(importConfig("AcceptedDomains"), map[string][]byte{
		"dir/x.json": cat(utf16le(`[{"DomainName": "a.example"}]`), []byte{0}),
	})
	if want := `dir/x.json:1:30: tenant "a": JSON syntax error: invalid UTF-16: an odd number of bytes (the file is cut short?)`; err == nil || err.Error() != want {
		t.Errorf("import: %v, want %s", err, want)
	}
}

var writeSlowSeeds = flag.Bool("write-slow-seeds", false, "write testdata/fuzz/FuzzParse/slow-* (TestWriteSlowSeeds)")

// TestWriteSlowSeeds writes the fuzz seeds of the slow shapes, with
// -write-slow-seeds: one of each slowShapes at its seed size, an alias
// bomb, and a configuration with an error per tenant that is also broken
// across tenants (build's errors filtered by taints: quadratic in the
// number of errors, in semantic.go).
func TestWriteSlowSeeds(t *testing.T) {
	if !*writeSlowSeeds {
		t.Skip("writes seeds with -write-slow-seeds")
	}
	type seed struct {
		name string
		data []byte
		json bool
	}
	var seeds []seed
	for _, s := range slowShapes {
		seeds = append(seeds, seed{s.name, s.gen(s.seed), s.json})
	}
	var bomb strings.Builder
	bomb.WriteString("a: &a [x,x,x,x,x,x,x,x,x,x]\n")
	for i := 'b'; i <= 'j'; i++ {
		bomb.WriteString(string(i) + ": &" + string(i) + " [" + strings.Repeat("*"+string(i-1)+",", 9) + "*" + string(i-1) + "]\n")
	}
	seeds = append(seeds, seed{"yaml-alias-bomb", []byte(bomb.String()), false})
	seeds = append(seeds, seed{"semantic-error-per-tenant", []byte("Tenants:\n" + strings.Repeat("  - Id: a\n    RejectDirectSend: maybe\n", 500)), false})
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\nbool(%v)\n", strconv.Quote(string(s.data)), s.json)
		if err := os.WriteFile(filepath.Join(dir, "slow-"+s.name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
