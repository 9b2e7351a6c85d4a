package certmatch_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		in       string
		want     string // canonical form; "" when refused
		wildcard bool
	}{
		{"mail.contoso.com", "mail.contoso.com", false},                    // a host
		{"MAIL.Contoso.COM", "mail.contoso.com", false},                    // case is folded
		{"*.contoso.com", "*.contoso.com", true},                           // a wildcard
		{"*.Contoso.com", "*.contoso.com", true},                           // the base is folded too
		{"*.xn--bcher-kva.de", "*.xn--bcher-kva.de", true},                 // A-labels are kept
		{"localhost", "localhost", false},                                  // one label: a host, though never a proof
		{"*.s3.eu-west-1.example.net", "*.s3.eu-west-1.example.net", true}, // hyphens inside labels
		{"github.io", "github.io", false},                                  // a public suffix as a host is a name (it proves nothing)
		{"1.2.3.example", "1.2.3.example", false},                          // digits are fine except in the last label
	}
	for _, tt := range tests {
		n, err := certmatch.ParseName(tt.in)
		if err != nil {
			t.Errorf("ParseName(%q): %v", tt.in, err)
			continue
		}
		if n.String() != tt.want || n.IsWildcard() != tt.wildcard || !n.IsValid() {
			t.Errorf("ParseName(%q) = %q (wildcard %v), want %q (wildcard %v)", tt.in, n, n.IsWildcard(), tt.want, tt.wildcard)
		}
	}
}

func TestParseNameErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string // exact error text
	}{
		// Nothing to read.
		{"", `certmatch: bad certificate name "": empty name`},
		// A bare "*" is no DNS name (x509, webpki, Python agree).
		{"*", `certmatch: bad certificate name "*": bare wildcard: "*" alone covers no host`},
		// Partial-label wildcards: RFC 6125 rule 3 is a MAY we do not take.
		{"f*.example.com", `certmatch: bad certificate name "f*.example.com": partial wildcard "f*": "*" must be the whole leftmost label (RFC 6125 §6.4.3 rule 3 is not followed)`},
		{"*b.a.com", `certmatch: bad certificate name "*b.a.com": partial wildcard "*b": "*" must be the whole leftmost label (RFC 6125 §6.4.3 rule 3 is not followed)`},
		// A wildcard below the leftmost label.
		{"www.*.example.com", `certmatch: bad certificate name "www.*.example.com": wildcard in "*": "*" is only allowed as the whole leftmost label`},
		// Two wildcards.
		{"*.*.example.com", `certmatch: bad certificate name "*.*.example.com": more than one "*": only the whole leftmost label may be a wildcard`},
		// A wildcard over a public suffix would cover other organisations.
		{"*.com", `certmatch: bad certificate name "*.com": com is a public suffix: a wildcard over it would cover other organisations' names`},
		{"*.co.uk", `certmatch: bad certificate name "*.co.uk": co.uk is a public suffix: a wildcard over it would cover other organisations' names`},
		{"*.appspot.com", `certmatch: bad certificate name "*.appspot.com": appspot.com is a public suffix: a wildcard over it would cover other organisations' names`},
		// RFC 5280 names are written without the root's dot.
		{"example.com.", `certmatch: bad certificate name "example.com.": trailing dot: a certificate name is written without one (RFC 5280 §4.2.1.6)`},
		// IP addresses belong in IP SANs, which are ignored.
		{"192.0.2.1", `certmatch: bad certificate name "192.0.2.1": an IP address, not a DNS name`},
		{"[2001:db8::1]", `certmatch: bad certificate name "[2001:db8::1]": an IP address, not a DNS name`},
		{"*.2.3.4", `certmatch: bad certificate name "*.2.3.4": all-numeric last label "4": looks like an IP address, not a DNS name`},
		// What domain.Parse refuses: not mail domains.
		{"_srv.example.com", `certmatch: bad certificate name "_srv.example.com": underscore not allowed in a mail domain (at "_srv")`},
		{"www.example..com", `certmatch: bad certificate name "www.example..com": empty label`},
		{"-a.example.com", `certmatch: bad certificate name "-a.example.com": label starts or ends with a hyphen (at "-a")`},
		{"Contoso Mail Relay", `certmatch: bad certificate name "Contoso Mail Relay": bad character ' ' (at "Contoso Mail Relay")`},
		// Certificates carry A-labels, never U-labels.
		{"bücher.de", `certmatch: bad certificate name "bücher.de": non-ASCII text: certificate names carry A-labels (xn--…)`},
	}
	for _, tt := range tests {
		_, err := certmatch.ParseName(tt.in)
		if err == nil {
			t.Errorf("ParseName(%q) succeeded, want %s", tt.in, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseName(%q):\n got %s\nwant %s", tt.in, err, tt.want)
		}
		var e *certmatch.Error
		if !errors.As(err, &e) || e.Input != tt.in {
			t.Errorf("ParseName(%q): error %#v does not quote the input", tt.in, err)
		}
	}
	// The public-suffix refusal is recognisable.
	if _, err := certmatch.ParseName("*.co.uk"); !errors.Is(err, domain.ErrPublicSuffix) {
		t.Errorf("ParseName(*.co.uk): %v does not match domain.ErrPublicSuffix", err)
	}
	// A refusal by domain.Parse keeps its cause.
	var de *domain.Error
	if _, err := certmatch.ParseName("a..b"); !errors.As(err, &de) {
		t.Errorf("ParseName(a..b): %v does not wrap a *domain.Error", err)
	}
}

func TestNameZero(t *testing.T) {
	var n certmatch.Name
	if n.IsValid() || n.String() != "" {
		t.Errorf("zero Name: valid %v, %q", n.IsValid(), n)
	}
	if n.MatchHost(domain.MustParse("contoso.com")) || n.MatchedBy(domain.AnyPattern()) ||
		n.Proves(domain.AcceptedDomain{Name: domain.MustParse("contoso.com")}) {
		t.Error("zero Name matches or proves something")
	}
	if _, k := n.ProofCandidates(); k != 0 {
		t.Errorf("zero Name has %d proof candidates", k)
	}
}

func TestNameText(t *testing.T) {
	var n certmatch.Name
	if err := n.UnmarshalText([]byte("*.Contoso.com")); err != nil {
		t.Fatal(err)
	}
	b, _ := n.MarshalText()
	if string(b) != "*.contoso.com" || n != certmatch.MustParseName("*.contoso.com") {
		t.Errorf("round trip gave %q", b)
	}
	if err := n.UnmarshalText([]byte("f*.com")); err == nil {
		t.Error("UnmarshalText(f*.com) succeeded")
	}
}

func TestMatchHost(t *testing.T) {
	tests := []struct {
		name, host string
		want       bool
	}{
		{"mail.contoso.com", "mail.contoso.com", true},     // exact
		{"mail.contoso.com", "MAIL.contoso.com.", true},    // the host is canonical once parsed
		{"mail.contoso.com", "contoso.com", false},         // a host covers only itself
		{"*.contoso.com", "mail.contoso.com", true},        // one label
		{"*.contoso.com", "contoso.com", false},            // never the apex
		{"*.contoso.com", "a.mail.contoso.com", false},     // never two labels
		{"*.contoso.com", "mail.evilcontoso.com", false},   // label-aware
		{"*.contoso.com", "evil-contoso.com", false},       // label-aware
		{"*.mail.contoso.com", "a.mail.contoso.com", true}, // a deeper base
		{"*.mail.contoso.com", "mail.contoso.com", false},  // its apex
		{"*.xn--bcher-kva.de", "www.bücher.de", true},      // a U-label host parses to the A-label
	}
	for _, tt := range tests {
		if got := certmatch.MustParseName(tt.name).MatchHost(domain.MustParse(tt.host)); got != tt.want {
			t.Errorf("%s.MatchHost(%s) = %v, want %v", tt.name, tt.host, got, tt.want)
		}
	}
}

// TestMatchedBy is connector matching: a TlsSenderCertificateName pattern
// (Exchange's rules, domain.Pattern) against one certificate name.
func TestMatchedBy(t *testing.T) {
	tests := []struct {
		name, pattern string
		want          bool
	}{
		// Host names: the pattern's own rules.
		{"mail.contoso.com", "mail.contoso.com", true},   // exact
		{"mail.contoso.com", "contoso.com", false},       // an exact pattern is one name
		{"mail.contoso.com", "*.contoso.com", true},      // a connector wildcard covers subdomains...
		{"a.b.mail.contoso.com", "*.contoso.com", true},  // ...at any depth
		{"contoso.com", "*.contoso.com", true},           // ...and its base
		{"mail.evilcontoso.com", "*.contoso.com", false}, // label-aware
		{"mail.contoso.com", "*", true},                  // any
		// Wildcard names: matched only by a pattern covering all they cover.
		{"*.contoso.com", "*.contoso.com", true},       // the same text, the design's example
		{"*.mail.contoso.com", "*.contoso.com", true},  // a narrower wildcard
		{"*.contoso.com", "*.mail.contoso.com", false}, // a wider one is not covered
		{"*.contoso.com", "contoso.com", false},        // an exact pattern never matches a wildcard...
		{"*.contoso.com", "mail.contoso.com", false},   // ...even one of its hosts
		{"*.contoso.com", "*", true},                   // any
		{"*.evilcontoso.com", "*.contoso.com", false},  // label-aware
	}
	for _, tt := range tests {
		p := domain.MustParsePattern(tt.pattern)
		if got := certmatch.MustParseName(tt.name).MatchedBy(p); got != tt.want {
			t.Errorf("%s.MatchedBy(%s) = %v, want %v", tt.name, tt.pattern, got, tt.want)
		}
	}
	// The zero pattern matches nothing.
	if certmatch.MustParseName("*.contoso.com").MatchedBy(domain.Pattern{}) ||
		certmatch.MustParseName("contoso.com").MatchedBy(domain.Pattern{}) {
		t.Error("the zero Pattern matched")
	}
}

// TestConnectorVersusHostname documents, row by row, where connector
// matching (MatchedBy) intentionally differs from hostname verification
// (MatchHost, x509's VerifyHostname) on the same text. Each row checks both
// answers and, where a host is involved, x509's own.
func TestConnectorVersusHostname(t *testing.T) {
	tests := []struct {
		name, text              string
		connector, verify, x509 bool
		why                     string
	}{
		{"*.contoso.com", "*.contoso.com", true, false, true,
			"a connector wildcard covering the certificate's wildcard matches it; as a host, *.contoso.com is no host (x509 compares such invalid hosts exactly, as text)"},
		{"*.contoso.com", "mail.contoso.com", false, true, true,
			"the certificate covers every child of contoso.com, more than the one name an exact pattern allows"},
		{"a.b.contoso.com", "*.contoso.com", true, false, false,
			"a connector wildcard covers any depth; a certificate wildcard one label"},
		{"contoso.com", "*.contoso.com", true, false, false,
			"a connector wildcard covers its base; a certificate wildcard never covers the apex"},
		{"mail.contoso.com", "mail.contoso.com", true, true, true,
			"the same: an exact name"},
		{"*.contoso.com", "contoso.com", false, false, false,
			"the same: the apex is neither covered nor matched"},
	}
	for _, tt := range tests {
		n := certmatch.MustParseName(tt.name)
		if got := n.MatchedBy(domain.MustParsePattern(tt.text)); got != tt.connector {
			t.Errorf("%s vs connector %s = %v, want %v (%s)", tt.name, tt.text, got, tt.connector, tt.why)
		}
		// Hostname verification of the text as a host against the name
		// as a certificate SAN, by us and by x509.
		host, err := domain.Parse(tt.text)
		ours := err == nil && n.MatchHost(host)
		x509ok := mustSelfSigned(certSpec{DNS: []string{tt.name}}).VerifyHostname(tt.text) == nil
		if ours != tt.verify || x509ok != tt.x509 {
			t.Errorf("%s verifying host %s: ours %v, x509 %v, want %v and %v (%s)", tt.name, tt.text, ours, x509ok, tt.verify, tt.x509, tt.why)
		}
	}
}

func TestProofCandidates(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"mail.contoso.com", []string{"mail.contoso.com", "contoso.com"}},             // itself and its parent
		{"host.sub.contoso.com", []string{"host.sub.contoso.com", "sub.contoso.com"}}, // never the grandparent
		{"*.contoso.com", []string{"contoso.com"}},                                    // the base of a wildcard
		{"contoso.com", []string{"contoso.com"}},                                      // com is a public suffix
		{"contoso.co.uk", []string{"contoso.co.uk"}},                                  // co.uk is a public suffix
		{"foo.github.io", []string{"foo.github.io"}},                                  // github.io is one (private section)
		{"github.io", nil}, // a public suffix proves nothing
		{"localhost", nil}, // one label: a public suffix by the implicit rule
	}
	for _, tt := range tests {
		names, k := certmatch.MustParseName(tt.name).ProofCandidates()
		var got []string
		for _, n := range names[:k] {
			got = append(got, n.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s.ProofCandidates() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
