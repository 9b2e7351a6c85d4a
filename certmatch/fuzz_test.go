package certmatch_test

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// fuzzSeeds are certificate names from the tests, plus the patterns of
// certnames.json when it is there.
func fuzzSeeds() []string {
	seeds := []string{
		"mail.contoso.com", "*.contoso.com", "MAIL.Contoso.COM", "*.co.uk", "*.com", "f*.example.com",
		"*.*.a.com", "www.*.example.com", "_srv.example.com", "example.com.", "*", "", "8.8.8.8",
		"[2001:db8::1]", "*.2.3.4", "xn--bcher-kva.de", "*.xn--poema-9qae5a.com.br", "bücher.de",
		"a..b", "-a.b", "a-.b", "ab--c.d", "Contoso Relay", "*.s3.amazonaws.com", "a.s3.amazonaws.com",
		strings.Repeat("a.", 126) + "a", strings.Repeat("a", 64) + ".com",
	}
	if data, err := os.ReadFile(certnamesPath); err == nil {
		var cases []certnameCase
		if json.Unmarshal(data, &cases) == nil {
			for _, c := range cases {
				seeds = append(seeds, c.Pattern, c.Host)
			}
		}
	}
	return seeds
}

// FuzzParseName: parsing never panics; an accepted name is canonical
// (lower case, as written otherwise), round-trips through String, and its
// matching and proving agree with each other.
func FuzzParseName(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := certmatch.ParseName(s)
		if err != nil {
			if n.IsValid() {
				t.Fatalf("ParseName(%q) returned a valid name with error %v", s, err)
			}
			if !strings.HasPrefix(err.Error(), "certmatch: ") {
				t.Fatalf("ParseName(%q): error %q lacks the package prefix", s, err)
			}
			return
		}
		if got := n.String(); got != strings.ToLower(s) {
			t.Fatalf("ParseName(%q).String() = %q, want the lower-cased input", s, got)
		}
		m, err := certmatch.ParseName(n.String())
		if err != nil || m != n {
			t.Fatalf("round trip of %q: %v, %v", n, m, err)
		}
		if n.IsWildcard() != strings.HasPrefix(s, "*.") {
			t.Fatalf("%q: IsWildcard %v", s, n.IsWildcard())
		}
		// A name's own candidates are proved by it.
		c, k := n.ProofCandidates()
		for _, d := range c[:k] {
			if !n.Proves(domain.AcceptedDomain{Name: d}) {
				t.Fatalf("%q does not prove its candidate %s", s, d)
			}
		}
		// A host name matches its own exact pattern and verifies as
		// itself; a wildcard matches its own connector wildcard.
		if !n.IsWildcard() {
			if !n.MatchHost(n.Base()) || !n.MatchedBy(domain.ExactPattern(n.Base())) {
				t.Fatalf("%q does not match itself", s)
			}
		} else if !n.MatchedBy(domain.WildcardPattern(n.Base())) || n.MatchHost(n.Base()) {
			t.Fatalf("%q: wildcard matching of its own base is wrong", s)
		}
		// FromCN reads the same name.
		if ns := certmatch.FromCN(s); ns.Len() != 1 || ns.At(0) != n {
			t.Fatalf("FromCN(%q) = %v", s, ns)
		}
	})
}

// FuzzMatchHost: where both a certificate name and a host are accepted,
// MatchHost agrees exactly with x509's VerifyHostname.
func FuzzMatchHost(f *testing.F) {
	seeds := fuzzSeeds()
	for i, s := range seeds {
		f.Add(s, seeds[(i*7+3)%len(seeds)])
		f.Add(s, strings.Replace(s, "*", "x", 1))
	}
	f.Fuzz(func(t *testing.T, name, host string) {
		n, err := certmatch.ParseName(name)
		if err != nil {
			return
		}
		h, err := domain.Parse(host)
		if err != nil {
			return
		}
		ours := n.MatchHost(h)
		theirs := (&x509.Certificate{DNSNames: []string{name}}).VerifyHostname(h.String()) == nil
		if ours != theirs {
			t.Fatalf("name %q host %q (%s): ours %v, x509 %v", name, host, h, ours, theirs)
		}
	})
}

// FuzzFromPostfix: any ccert_subject is decoded without panicking, and the
// names read are valid.
func FuzzFromPostfix(f *testing.F) {
	for _, s := range []string{"client-cn.example.org", "a+2Bb=c+20+C3+BC", "Test+20CA", "+", "+2", "mail+2Econtoso.com", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ns, err := certmatch.FromPostfix(s)
		if err != nil {
			if ns.Len() != 0 {
				t.Fatalf("FromPostfix(%q): names with error %v", s, err)
			}
			return
		}
		if ns.Len()+len(ns.Skipped()) != 1 {
			t.Fatalf("FromPostfix(%q): %d names, %d skipped", s, ns.Len(), len(ns.Skipped()))
		}
		for n := range ns.All() {
			if !n.IsValid() {
				t.Fatalf("FromPostfix(%q): invalid name", s)
			}
		}
	})
}

// FuzzParseFingerprint: accepted fingerprints round-trip through String.
func FuzzParseFingerprint(f *testing.F) {
	f.Add(postfixFP)
	f.Add(strings.ReplaceAll(postfixFP, ":", ""))
	f.Add("AA:8F")
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := certmatch.ParseFingerprint(s)
		if err != nil {
			return
		}
		if g, err := certmatch.ParseFingerprint(fp.String()); err != nil || g != fp {
			t.Fatalf("round trip of %q: %v, %v", s, g, err)
		}
		if !strings.EqualFold(strings.ReplaceAll(fp.String(), ":", ""), strings.ReplaceAll(s, ":", "")) {
			t.Fatalf("%q read as %s", s, fp)
		}
	})
}
