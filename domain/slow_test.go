package domain_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/domain"
)

// refMatch is a slow, obviously correct Pattern.Match on canonical
// strings: split into labels and compare label slices. "*" matches every
// name; "*.b" matches the names whose last labels are b's labels; "b"
// matches the name whose labels are b's.
func refMatch(pattern, name string) bool {
	if pattern == "" || name == "" {
		return false
	}
	if pattern == "*" {
		return true
	}
	labels := strings.Split(name, ".")
	if base, ok := strings.CutPrefix(pattern, "*."); ok {
		want := strings.Split(base, ".")
		return len(labels) >= len(want) && slices.Equal(labels[len(labels)-len(want):], want)
	}
	return slices.Equal(labels, strings.Split(pattern, "."))
}

// refSubdomain is a slow IsSubdomainOf: more labels, and parent's labels
// at the end.
func refSubdomain(name, parent string) bool {
	if name == "" || parent == "" {
		return false
	}
	n, p := strings.Split(name, "."), strings.Split(parent, ".")
	return len(n) > len(p) && slices.Equal(n[len(n)-len(p):], p)
}

// nameGen makes random names from a few labels and near misses of them,
// so that random names and patterns often share labels, or almost do.
type nameGen struct {
	r *rand.Rand
}

var baseLabels = []string{"contoso", "com", "co", "uk", "a", "b", "mail", "sales", "evil", "xn--bcher-kva", "de", "0", "a-b"}

// label returns a base label or a near miss of one.
func (g nameGen) label() string {
	l := baseLabels[g.r.IntN(len(baseLabels))]
	switch g.r.IntN(8) {
	case 0:
		return "x" + l // prefix
	case 1:
		return l + "-evil" // suffix
	case 2:
		return l + "x"
	case 3:
		if len(l) > 1 {
			return l[1:] // shorter
		}
	case 4:
		return "evil" + l // "evilcontoso"
	}
	return l
}

func (g nameGen) name(maxLabels int) domain.Name {
	labels := make([]string, 1+g.r.IntN(maxLabels))
	for i := range labels {
		labels[i] = g.label()
	}
	return g.parse(strings.Join(labels, "."))
}

// parse parses s, or a fresh name when a near miss made s invalid
// ("xn--bcher-kvax" is not Punycode).
func (g nameGen) parse(s string) domain.Name {
	if n, err := domain.Parse(s); err == nil {
		return n
	}
	return g.name(3)
}

// related returns a name close to base: base itself, a name below it, a
// parent, or base with one label tweaked.
func (g nameGen) related(base domain.Name) domain.Name {
	s := base.String()
	switch g.r.IntN(5) {
	case 0:
		return base
	case 1:
		return g.parse(g.label() + "." + s)
	case 2:
		return g.parse(g.label() + "." + g.label() + "." + s)
	case 3:
		if p, ok := base.Parent(); ok {
			return p
		}
		return base
	}
	labels := strings.Split(s, ".")
	i := g.r.IntN(len(labels))
	labels[i] = g.label()
	return g.parse(strings.Join(labels, "."))
}

func (g nameGen) pattern() domain.Pattern {
	switch g.r.IntN(10) {
	case 0:
		return domain.AnyPattern()
	case 1, 2, 3, 4:
		return domain.ExactPattern(g.name(4))
	}
	// WildcardPattern skips the public-suffix check, so that "*.com" and
	// "*.co.uk" are exercised too.
	return domain.WildcardPattern(g.name(4))
}

// TestMatchDifferential compares Match, IsSubdomainOf, IsChildOf and
// Covers with the slow references on random names and patterns.
func TestMatchDifferential(t *testing.T) {
	g := nameGen{rand.New(rand.NewPCG(20260601, 1))}
	const rounds = 20000
	matched := 0
	for range rounds {
		p := g.pattern()
		var n domain.Name
		if b := p.Base(); b.IsValid() && g.r.IntN(4) > 0 {
			n = g.related(b)
		} else {
			n = g.name(5)
		}
		want := refMatch(p.String(), n.String())
		if got := p.Match(n); got != want {
			t.Fatalf("%q.Match(%q) = %v, reference says %v", p, n, got, want)
		}
		if want {
			matched++
		}
		if b := p.Base(); b.IsValid() {
			if got, want := n.IsSubdomainOf(b), refSubdomain(n.String(), b.String()); got != want {
				t.Fatalf("%q.IsSubdomainOf(%q) = %v, reference says %v", n, b, got, want)
			}
			wantChild := refSubdomain(n.String(), b.String()) && n.NumLabels() == b.NumLabels()+1
			if got := n.IsChildOf(b); got != wantChild {
				t.Fatalf("%q.IsChildOf(%q) = %v, reference says %v", n, b, got, wantChild)
			}
		}
		checkCovers(t, p, g.pattern())
		if b := p.Base(); b.IsValid() {
			checkCovers(t, p, domain.WildcardPattern(g.related(b)))
			checkCovers(t, p, domain.ExactPattern(g.related(b)))
		}
	}
	// The generator must produce both outcomes in earnest, or the test
	// proves little.
	if matched < rounds/5 || matched > rounds*4/5 {
		t.Fatalf("%d of %d random pairs matched: the generator is lopsided", matched, rounds)
	}
	t.Logf("%d of %d random pairs matched", matched, rounds)
}

// checkCovers checks p.Covers(q) against its meaning: every name q
// matches, p matches. When p covers q, p matches q's witnesses (its base,
// a name two labels below it, a name outside it); when it does not, one
// witness that q matches escapes p. It also checks that Specificity puts
// a strictly covering pattern first.
func checkCovers(t *testing.T, p, q domain.Pattern) {
	t.Helper()
	witnesses := []string{"unrelated-zz.example"}
	if b := q.Base(); b.IsValid() {
		witnesses = append(witnesses, b.String(), "zz.zz."+b.String())
	}
	covers := p.Covers(q)
	escaped := ""
	for _, w := range witnesses {
		if refMatch(q.String(), w) && !refMatch(p.String(), w) {
			escaped = w
		}
	}
	switch {
	case covers && escaped != "":
		t.Fatalf("%q.Covers(%q) = true, but %q matches only the second", p, q, escaped)
	case !covers && escaped == "":
		t.Fatalf("%q.Covers(%q) = false, but every witness %q of the second matches the first", p, q, witnesses)
	case covers && p != q && p.Specificity() >= q.Specificity():
		t.Fatalf("%q covers %q but Specificity %d >= %d", p, q, p.Specificity(), q.Specificity())
	}
}
