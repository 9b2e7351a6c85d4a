package certmatch_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// A slow, obviously correct reference, written with domain's own
// operations and a public-suffix lookup per name, straight from the rules
// in the package documentation. The fast paths (reversed-label keys and
// precomputed suffix bits) must agree with it everywhere.

func refMatchedBy(n certmatch.Name, p domain.Pattern) bool {
	if !n.IsWildcard() {
		return p.Match(n.Base())
	}
	b := n.Base()
	switch p.Kind() {
	case domain.Any:
		return true
	case domain.Wildcard:
		return b == p.Base() || b.IsSubdomainOf(p.Base())
	}
	return false
}

func refMatchHost(n certmatch.Name, h domain.Name) bool {
	if n.IsWildcard() {
		return h.IsChildOf(n.Base())
	}
	return h == n.Base()
}

func refProves(n certmatch.Name, a domain.AcceptedDomain) bool {
	b := n.Base()
	var ok bool
	if n.IsWildcard() {
		ok = b == a.Name || a.MatchSubDomains && b.IsSubdomainOf(a.Name)
	} else {
		ok = b == a.Name || b.IsChildOf(a.Name) || a.MatchSubDomains && b.IsSubdomainOf(a.Name)
	}
	if !ok {
		return false
	}
	// No public suffix from the name up to a, both included.
	for x := b; ; {
		if domain.IsPublicSuffix(x) {
			return false
		}
		if x == a.Name {
			return true
		}
		x, _ = x.Parent()
	}
}

func TestAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Labels that make public suffixes (com, co.uk, github.io,
	// s3.amazonaws.com) meet ordinary ones.
	labels := []string{"a", "b", "mail", "contoso", "co", "uk", "com", "github", "io", "s3", "amazonaws", "jp"}
	name := func() string {
		k := 1 + rng.IntN(5)
		parts := make([]string, k)
		for i := range parts {
			parts[i] = labels[rng.IntN(len(labels))]
		}
		return strings.Join(parts, ".")
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	hits := map[string]int{}
	for range n {
		var list []string
		for range 1 + rng.IntN(4) {
			s := name()
			if rng.IntN(3) == 0 {
				s = "*." + s
			}
			list = append(list, s)
		}
		var good []string
		for _, s := range list {
			if _, err := certmatch.ParseName(s); err == nil {
				good = append(good, s)
			}
		}
		ns, err := certmatch.ParseNames(good...)
		if err != nil {
			t.Fatal(err)
		}
		// The target: half the time a relative of one of the names (itself,
		// an ancestor, a child), else a random name.
		target := domain.MustParse(name())
		if ns.Len() > 0 && rng.IntN(2) == 0 {
			target = ns.At(rng.IntN(ns.Len())).Base()
			switch rng.IntN(4) {
			case 0:
				target = domain.MustParse(labels[rng.IntN(len(labels))] + "." + target.String())
			case 1, 2:
				for range 1 + rng.IntN(2) {
					if p, ok := target.Parent(); ok {
						target = p
					}
				}
			}
		}
		var p domain.Pattern
		switch rng.IntN(5) {
		case 0:
			p = domain.AnyPattern()
		case 1, 2:
			p = domain.ExactPattern(target)
		default:
			p = domain.WildcardPattern(target)
		}
		a := domain.AcceptedDomain{Name: target, MatchSubDomains: rng.IntN(2) == 0}

		var wantMatch, wantHost, wantProof certmatch.Name
		for m := range ns.All() {
			if !wantMatch.IsValid() && refMatchedBy(m, p) {
				wantMatch = m
			}
			if !wantHost.IsValid() && refMatchHost(m, target) {
				wantHost = m
			}
			if !wantProof.IsValid() && refProves(m, a) {
				wantProof = m
			}
			if m.MatchedBy(p) != refMatchedBy(m, p) || m.MatchHost(target) != refMatchHost(m, target) || m.Proves(a) != refProves(m, a) {
				t.Fatalf("%s against %s / %s / %+v: Name methods disagree with the reference", m, p, target, a)
			}
		}
		if got, _ := ns.Match(p); got != wantMatch {
			t.Fatalf("%s Match(%s) = %s, want %s", ns, p, got, wantMatch)
		}
		if got, _ := ns.MatchHost(target); got != wantHost {
			t.Fatalf("%s MatchHost(%s) = %s, want %s", ns, target, got, wantHost)
		}
		if got, _ := ns.Proves(a); got != wantProof {
			t.Fatalf("%s Proves(%s, MatchSubDomains %v) = %s, want %s", ns, a.Name, a.MatchSubDomains, got, wantProof)
		}
		for _, w := range []struct {
			k string
			n certmatch.Name
		}{{"match", wantMatch}, {"host", wantHost}, {"proof", wantProof}} {
			if w.n.IsValid() {
				hits[w.k]++
			}
		}
	}
	t.Logf("%d certificates: hits %v", n, hits)
	for _, k := range []string{"match", "host", "proof"} {
		if hits[k] < n/50 {
			t.Errorf("only %d %s hits: the generator no longer exercises the paths", hits[k], k)
		}
	}
}
