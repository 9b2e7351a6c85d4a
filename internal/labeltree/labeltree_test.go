package labeltree

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/domain"
)

// build returns a Tree and its Frozen form holding each pattern with its
// own text as the value.
func build(t testing.TB, patterns ...string) (*Tree[string], *Frozen[string]) {
	t.Helper()
	tr := New[string]()
	for _, p := range patterns {
		tr.Insert(domain.MustParsePattern(p), p)
	}
	return tr, tr.Freeze()
}

func TestMatch(t *testing.T) {
	tr, fr := build(t,
		"contoso.com", "*.contoso.com", "*.eu.contoso.com", "sales.contoso.com",
		"example", "*.fabrikam.com", "evilcontoso.com", "*.xn--bcher-kva.de")
	tests := []struct {
		name string
		want string // pattern that wins; "" for no match
	}{
		{"contoso.com", "contoso.com"},                  // exact beats the wildcard on the apex
		{"CONTOSO.com.", "contoso.com"},                 // case and trailing dot are folded by Parse
		{"sales.contoso.com", "sales.contoso.com"},      // exact beats the covering wildcard
		{"mail.contoso.com", "*.contoso.com"},           // wildcard covers one level down
		{"a.b.c.contoso.com", "*.contoso.com"},          // and any depth
		{"eu.contoso.com", "*.eu.contoso.com"},          // wildcard covers its own apex
		{"paris.eu.contoso.com", "*.eu.contoso.com"},    // longest wildcard base wins
		{"evilcontoso.com", "evilcontoso.com"},          // its own exact entry, not *.contoso.com
		{"mail.evilcontoso.com", ""},                    // exact evilcontoso.com does not cover subdomains
		{"xcontoso.com", ""},                            // label boundary: no byte-prefix match
		{"contoso.com.evil.example", ""},                // the pattern's base is not a suffix of this name
		{"contoso-evil.com", ""},                        // '-' after the label is not a boundary
		{"fabrikam.com", "*.fabrikam.com"},              // wildcard with no exact entry covers its apex
		{"example", "example"},                          // single-label name
		{"www.example", ""},                             // exact single label does not cover children
		{"bücher.de", "*.xn--bcher-kva.de"},             // IDN input matches the A-label pattern
		{"mail.xn--bcher-kva.de", "*.xn--bcher-kva.de"}, // A-label input
		{"com", ""}, // a parent of stored names is not covered
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := domain.MustParse(tt.name)
			for which, match := range map[string]func(domain.Name) (domain.Pattern, string, bool){"tree": tr.Match, "frozen": fr.Match} {
				p, v, ok := match(n)
				if tt.want == "" {
					assert.False(t, ok, "%s: got %v", which, p)
					continue
				}
				require.True(t, ok, which)
				assert.Equal(t, tt.want, p.String(), which)
				assert.Equal(t, tt.want, v, which)
			}
		})
	}
}

func TestAnyPattern(t *testing.T) {
	tr, fr := build(t, "*", "contoso.com")
	for _, match := range []func(domain.Name) (domain.Pattern, string, bool){tr.Match, fr.Match} {
		p, v, ok := match(domain.MustParse("anything.example"))
		require.True(t, ok)
		assert.Equal(t, domain.Any, p.Kind())
		assert.Equal(t, "*", v)
		p, _, _ = match(domain.MustParse("contoso.com"))
		assert.Equal(t, "contoso.com", p.String())
		_, _, ok = match(domain.Name{})
		assert.False(t, ok, "the zero Name matches nothing, not even *")
	}
}

func TestCovering(t *testing.T) {
	tr, fr := build(t, "*", "*.contoso.com", "sales.contoso.com", "*.sales.contoso.com", "*.eu.contoso.com", "com.contoso")
	want := []string{"sales.contoso.com", "*.sales.contoso.com", "*.contoso.com", "*"}
	for which, cov := range map[string]func(domain.Name) iter.Seq2[domain.Pattern, string]{"tree": tr.Covering, "frozen": fr.Covering} {
		var got []string
		for p, v := range cov(domain.MustParse("sales.contoso.com")) {
			assert.Equal(t, p.String(), v)
			got = append(got, p.String())
		}
		assert.Equal(t, want, got, which)
		// Stopping early is honoured.
		got = got[:0]
		for p := range cov(domain.MustParse("sales.contoso.com")) {
			got = append(got, p.String())
			break
		}
		assert.Equal(t, want[:1], got, which)
	}
}

func TestSubtreeAndAll(t *testing.T) {
	tr, _ := build(t, "*", "contoso.com", "*.contoso.com", "a.contoso.com", "evilcontoso.com", "fabrikam.com")
	var got []string
	for p := range tr.Subtree(domain.MustParse("contoso.com")) {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{"contoso.com", "*.contoso.com", "a.contoso.com"}, got, "evilcontoso.com is not below contoso.com")
	got = got[:0]
	for p := range tr.All() {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{"*", "contoso.com", "*.contoso.com", "a.contoso.com", "evilcontoso.com", "fabrikam.com"}, got)
	assert.Equal(t, 6, tr.Len())
}

func TestInsertGet(t *testing.T) {
	tr := New[int]()
	p := domain.MustParsePattern("*.contoso.com")
	_, replaced := tr.Insert(p, 1)
	assert.False(t, replaced)
	old, replaced := tr.Insert(p, 2)
	assert.True(t, replaced, "second insert of the same pattern replaces")
	assert.Equal(t, 1, old)
	v, ok := tr.Get(p)
	assert.True(t, ok)
	assert.Equal(t, 2, v)
	_, ok = tr.Get(domain.MustParsePattern("contoso.com"))
	assert.False(t, ok, "the exact pattern on the same base is a different pattern")
	_, replaced = tr.Insert(domain.Pattern{}, 3)
	assert.False(t, replaced)
	assert.Equal(t, 1, tr.Len(), "invalid pattern ignored, replacement not counted")

	fr := tr.Freeze()
	tr.Insert(domain.MustParsePattern("contoso.com"), 9)
	_, ok = fr.Lookup(domain.MustParse("contoso.com"))
	assert.False(t, ok, "a Frozen index does not see later inserts")
	tr.Insert(p, 10)
	_, v, _ = fr.Match(domain.MustParse("contoso.com"))
	assert.Equal(t, 2, v, "a Frozen index keeps the values it was frozen with")
}

// refMatch is the obviously correct reference: try every stored pattern
// with Pattern.Match and keep the most specific one.
func refMatch(patterns []domain.Pattern, n domain.Name) (domain.Pattern, bool) {
	var best domain.Pattern
	for _, p := range patterns {
		if p.Match(n) && (!best.IsValid() || p.Specificity() > best.Specificity()) {
			best = p
		}
	}
	return best, best.IsValid()
}

// refCovering lists every stored pattern matching n, most specific first.
func refCovering(patterns []domain.Pattern, n domain.Name) []string {
	var out []domain.Pattern
	for _, p := range patterns {
		if p.Match(n) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b domain.Pattern) int { return b.Specificity() - a.Specificity() })
	var s []string
	for _, p := range out {
		s = append(s, p.String())
	}
	return s
}

// randomName draws from a small alphabet so that names collide, nest and
// nearly collide (shared prefixes and suffixes within labels).
func randomName(r *rand.Rand) string {
	labels := []string{"a", "b", "ab", "ba", "a-b", "xa", "com", "net", "co"}
	n := 1 + r.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = labels[r.IntN(len(labels))]
	}
	return strings.Join(parts, ".")
}

func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		tr := New[string]()
		var stored []domain.Pattern
		for range r.IntN(30) {
			s := randomName(r)
			switch r.IntN(10) {
			case 0:
				s = "*"
			case 1, 2, 3, 4:
				s = "*." + s
			}
			p, err := domain.ParsePattern(s)
			if err != nil {
				continue // *.com and friends: refused public suffixes
			}
			if _, replaced := tr.Insert(p, p.String()); !replaced {
				stored = append(stored, p)
			}
		}
		fr := tr.Freeze()
		require.Equal(t, len(stored), tr.Len())
		for range 50 {
			n := domain.MustParse(randomName(r))
			want, wantOK := refMatch(stored, n)
			for which, match := range map[string]func(domain.Name) (domain.Pattern, string, bool){"tree": tr.Match, "frozen": fr.Match} {
				got, v, ok := match(n)
				require.Equal(t, wantOK, ok, "round %d %s %s: %v", round, which, n, stored)
				require.Equal(t, want, got, "round %d %s %s", round, which, n)
				if ok {
					require.Equal(t, want.String(), v)
				}
			}
			wantCov := refCovering(stored, n)
			for which, cov := range map[string]func(domain.Name) iter.Seq2[domain.Pattern, string]{"tree": tr.Covering, "frozen": fr.Covering} {
				var got []string
				for p := range cov(n) {
					got = append(got, p.String())
				}
				require.Equal(t, wantCov, got, "round %d %s covering %s", round, which, n)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	tr, fr := build(t, "*", "contoso.com", "*.contoso.com", "*.eu.contoso.com", "fabrikam.com")
	names := []domain.Name{
		domain.MustParse("contoso.com"),
		domain.MustParse("a.b.paris.eu.contoso.com"),
		domain.MustParse("unknown.example"),
	}
	for _, n := range names {
		assert.Zero(t, testing.AllocsPerRun(100, func() { tr.Match(n) }), "Tree.Match %s", n)
		assert.Zero(t, testing.AllocsPerRun(100, func() { fr.Match(n) }), "Frozen.Match %s", n)
		assert.Zero(t, testing.AllocsPerRun(100, func() { fr.Lookup(n) }), "Frozen.Lookup %s", n)
		assert.Zero(t, testing.AllocsPerRun(100, func() {
			for range fr.Covering(n) {
			}
		}), "Frozen.Covering %s", n)
	}
}

func ExampleTree_Match() {
	t := New[string]()
	t.Insert(domain.MustParsePattern("contoso.com"), "Connector 2")
	t.Insert(domain.MustParsePattern("*.contoso.com"), "Connector 3")
	for _, rcpt := range []string{"contoso.com", "sales.contoso.com", "evilcontoso.com"} {
		p, v, ok := t.Match(domain.MustParse(rcpt))
		fmt.Println(rcpt, "→", p, v, ok)
	}
	// Output:
	// contoso.com → contoso.com Connector 2 true
	// sales.contoso.com → *.contoso.com Connector 3 true
	// evilcontoso.com →   false
}

func ExampleTree_Covering() {
	t := New[int]()
	for i, p := range []string{"*", "*.contoso.com", "*.eu.contoso.com", "paris.eu.contoso.com"} {
		t.Insert(domain.MustParsePattern(p), i)
	}
	for p, v := range t.Freeze().Covering(domain.MustParse("paris.eu.contoso.com")) {
		fmt.Println(p, v)
	}
	// Output:
	// paris.eu.contoso.com 3
	// *.eu.contoso.com 2
	// *.contoso.com 1
	// * 0
}

// TestLazyRadix covers the radix tree built on the first structural query:
// inserts after it are seen, inserts after a Freeze copy the shared slots
// first, and concurrent first queries build it once (run with -race).
func TestLazyRadix(t *testing.T) {
	tr := NewWithCap[string](4)
	tr.Insert(domain.MustParsePattern("*.contoso.com"), "wild")
	p, v, ok := tr.Match(domain.MustParse("a.contoso.com")) // builds the radix tree
	require.True(t, ok)
	assert.Equal(t, "*.contoso.com wild", p.String()+" "+v)

	tr.Insert(domain.MustParsePattern("*.eu.contoso.com"), "eu")
	p, v, _ = tr.Match(domain.MustParse("a.eu.contoso.com"))
	assert.Equal(t, "*.eu.contoso.com eu", p.String()+" "+v, "an insert after the radix tree was built is seen")

	fr := tr.Freeze()
	tr.Insert(domain.MustParsePattern("*.eu.contoso.com"), "changed")
	tr.Insert(domain.MustParsePattern("*.paris.eu.contoso.com"), "paris")
	_, v, _ = fr.Match(domain.MustParse("a.eu.contoso.com"))
	assert.Equal(t, "eu", v, "the Frozen index keeps its value")
	_, v, _ = fr.Match(domain.MustParse("a.paris.eu.contoso.com"))
	assert.Equal(t, "eu", v, "the Frozen index does not see a later pattern")
	p, v, _ = tr.Match(domain.MustParse("a.paris.eu.contoso.com"))
	assert.Equal(t, "*.paris.eu.contoso.com paris", p.String()+" "+v, "the Tree sees it, through a rebuilt radix tree")
	_, v, _ = tr.Match(domain.MustParse("a.eu.contoso.com"))
	assert.Equal(t, "changed", v)

	fresh, _ := build(t, "contoso.com", "*.contoso.com", "*.eu.contoso.com")
	done := make(chan string)
	for range 4 {
		go func() {
			p, _, _ := fresh.Match(domain.MustParse("x.eu.contoso.com"))
			done <- p.String()
		}()
	}
	for range 4 {
		assert.Equal(t, "*.eu.contoso.com", <-done)
	}
}
