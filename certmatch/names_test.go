package certmatch_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// describe renders names as "name(field)" in order, then the skipped
// inputs: a compact form to compare in tables.
func describe(ns certmatch.Names) string {
	var parts []string
	for n, f := range ns.All() {
		parts = append(parts, n.String()+"("+f.String()+")")
	}
	s := strings.Join(parts, " ")
	for _, e := range ns.Skipped() {
		s += fmt.Sprintf(" skip:%q(%s)", e.Input, e.Field)
	}
	return s
}

func TestFromCertificate(t *testing.T) {
	tests := []struct {
		spec certSpec
		want string
	}{
		// The CN first, then the SANs; the CN repeated as a SAN is one name.
		{certSpec{CN: []string{"mail.contoso.com"}, DNS: []string{"mail.contoso.com", "*.contoso.com"}},
			"mail.contoso.com(CN+SAN) *.contoso.com(SAN)"},
		// The CN counts even with SANs (Exchange: "Subject or SAN").
		{certSpec{CN: []string{"relay.contoso.com"}, DNS: []string{"mail.contoso.com"}},
			"relay.contoso.com(CN) mail.contoso.com(SAN)"},
		// Duplicates differing in case are merged.
		{certSpec{DNS: []string{"Mail.Contoso.com", "mail.contoso.com", "MAIL.CONTOSO.COM"}},
			"mail.contoso.com(SAN)"},
		// IP, URI and e-mail SANs are ignored without a report; so are the
		// other Subject attributes.
		{certSpec{CN: []string{"client-cn.example.org"}, DNS: []string{"client-san.example.net"}, Org: "ClientOrg",
			IPs: []net.IP{net.ParseIP("192.0.2.1")}, URIs: []string{"spiffe://example.org/agent/42"}, Emails: []string{"agent@example.org"}},
			"client-cn.example.org(CN) client-san.example.net(SAN)"},
		// Unreadable names are skipped and reported with their field.
		{certSpec{CN: []string{"Contoso Relay"}, DNS: []string{"f*.contoso.com", "_smtp.contoso.com", "*.com", "mail.contoso.com"}},
			`mail.contoso.com(SAN) skip:"Contoso Relay"(CN) skip:"f*.contoso.com"(SAN) skip:"_smtp.contoso.com"(SAN) skip:"*.com"(SAN)`},
		// An IP address written as a CN or a DNS SAN is reported.
		{certSpec{CN: []string{"8.8.8.8"}, DNS: []string{"8.8.8.8"}},
			` skip:"8.8.8.8"(CN) skip:"8.8.8.8"(SAN)`},
		// Several CNs, in order.
		{certSpec{CN: []string{"a.contoso.com", "b.contoso.com"}},
			"a.contoso.com(CN) b.contoso.com(CN)"},
		// No names at all.
		{certSpec{Org: "NoCN"}, ""},
	}
	for _, tt := range tests {
		got := describe(certmatch.FromCertificate(mustSelfSigned(tt.spec)))
		if got != tt.want {
			t.Errorf("FromCertificate(%+v):\n got %s\nwant %s", tt.spec, got, tt.want)
		}
	}
	if n := certmatch.FromCertificate(nil); n.Len() != 0 || len(n.Skipped()) != 0 {
		t.Errorf("FromCertificate(nil) = %s", describe(n))
	}
	// A certificate built in memory has a CommonName but no Subject.Names.
	mem := &x509.Certificate{Subject: pkix.Name{CommonName: "mail.contoso.com"}, DNSNames: []string{"*.contoso.com"}}
	if got := describe(certmatch.FromCertificate(mem)); got != "mail.contoso.com(CN) *.contoso.com(SAN)" {
		t.Errorf("in-memory certificate: %s", got)
	}
}

// TestFromCertificateMany checks deduplication past the linear-scan size.
func TestFromCertificateMany(t *testing.T) {
	var dns []string
	for i := range 50 {
		dns = append(dns, fmt.Sprintf("h%d.contoso.com", i), fmt.Sprintf("H%d.Contoso.com", i))
	}
	ns := certmatch.FromCertificate(&x509.Certificate{DNSNames: dns})
	if ns.Len() != 50 {
		t.Fatalf("got %d names, want 50", ns.Len())
	}
	for i := range 50 {
		if got := ns.At(i).String(); got != fmt.Sprintf("h%d.contoso.com", i) || ns.Field(i) != certmatch.SAN {
			t.Errorf("name %d = %s (%s)", i, got, ns.Field(i))
		}
	}
}

func TestFromCN(t *testing.T) {
	if got := describe(certmatch.FromCN("Mail.Contoso.com")); got != "mail.contoso.com(CN)" {
		t.Errorf("FromCN: %s", got)
	}
	if got := describe(certmatch.FromCN("")); got != ` skip:""(CN)` {
		t.Errorf(`FromCN(""): %s`, got)
	}
}

func TestFromPostfix(t *testing.T) {
	tests := []struct {
		subject string
		want    string // names, or the error text
	}{
		// What Postfix 3.7 sent for a verified client certificate.
		{"client-cn.example.org", "client-cn.example.org(CN)"},
		{"*.contoso.com", "*.contoso.com(CN)"},
		// xtext: "+HH" is decoded before the name is read; the CN
		// "a+b=c ü" is not a DNS name.
		{"a+2Bb=c+20+C3+BC", ` skip:"a+b=c ü"(CN)`},
		{"Test+20CA", ` skip:"Test CA"(CN)`},
		{"mail+2Econtoso.com", "mail.contoso.com(CN)"}, // any byte may be encoded
		// Empty: no certificate, an unverified one, or one without a CN.
		{"", "certmatch: unverified certificate: empty ccert_subject: Postfix sends it only for a verified client certificate with a CN"},
		// Broken xtext.
		{"mail+2", `certmatch: bad ccert_subject "mail+2": "+" must be followed by two hex digits (xtext, RFC 3461)`},
		{"mail+zz.com", `certmatch: bad ccert_subject "mail+zz.com": "+" must be followed by two hex digits (xtext, RFC 3461)`},
	}
	for _, tt := range tests {
		ns, err := certmatch.FromPostfix(tt.subject)
		got := describe(ns)
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("FromPostfix(%q):\n got %s\nwant %s", tt.subject, got, tt.want)
		}
	}
	if _, err := certmatch.FromPostfix(""); !errors.Is(err, certmatch.ErrUnverified) {
		t.Errorf(`FromPostfix(""): %v does not match ErrUnverified`, err)
	}
}

func TestParseNames(t *testing.T) {
	ns, err := certmatch.ParseNames("mail.contoso.com", "*.contoso.com", "MAIL.contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(ns); got != "mail.contoso.com(given) *.contoso.com(given)" {
		t.Errorf("ParseNames: %s", got)
	}
	_, err = certmatch.ParseNames("mail.contoso.com", "f*.contoso.com", "*.com")
	want := `certmatch: bad certificate name "f*.contoso.com" (given): partial wildcard "f*": "*" must be the whole leftmost label (RFC 6125 §6.4.3 rule 3 is not followed)` + "\n" +
		`certmatch: bad certificate name "*.com" (given): com is a public suffix: a wildcard over it would cover other organisations' names`
	if err == nil || err.Error() != want {
		t.Errorf("ParseNames with bad names:\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, domain.ErrPublicSuffix) {
		t.Errorf("ParseNames: %v does not match domain.ErrPublicSuffix", err)
	}
}

func TestNamesMatch(t *testing.T) {
	ns := certmatch.FromCertificate(mustSelfSigned(certSpec{
		CN:  []string{"relay.contoso.com"},
		DNS: []string{"mail.contoso.com", "*.eu.contoso.com", "mail.fabrikam.com"},
	}))
	tests := []struct {
		pattern string
		want    string // the name that matched; "" for none
	}{
		{"relay.contoso.com", "relay.contoso.com"}, // the CN
		{"mail.fabrikam.com", "mail.fabrikam.com"}, // the last SAN
		{"*.contoso.com", "relay.contoso.com"},     // several match: the first in certificate order
		{"*.eu.contoso.com", "*.eu.contoso.com"},   // the wildcard, by a covering pattern
		{"a.eu.contoso.com", ""},                   // an exact pattern never matches a wildcard name
		{"contoso.com", ""},                        // nothing is contoso.com
		{"*.fabrikam.com", "mail.fabrikam.com"},    // the other domain
		{"*.northwind.com", ""},                    // a miss
		{"*", "relay.contoso.com"},                 // any: the first name
	}
	for _, tt := range tests {
		n, ok := ns.Match(domain.MustParsePattern(tt.pattern))
		if got := n.String(); got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%s) = %q, %v; want %q", tt.pattern, got, ok, tt.want)
		}
	}
	var zero certmatch.Names
	if _, ok := zero.Match(domain.AnyPattern()); ok {
		t.Error("the zero Names matched *")
	}
	if got := ns.String(); got != "relay.contoso.com, mail.contoso.com, *.eu.contoso.com, mail.fabrikam.com" {
		t.Errorf("String() = %q", got)
	}
}

func TestNamesMatchHost(t *testing.T) {
	ns := certmatch.FromCertificate(mustSelfSigned(certSpec{CN: []string{"relay.contoso.com"}, DNS: []string{"*.contoso.com"}}))
	for host, want := range map[string]string{
		"relay.contoso.com":  "relay.contoso.com", // the CN, before the wildcard that also covers it
		"mail.contoso.com":   "*.contoso.com",
		"contoso.com":        "",
		"a.mail.contoso.com": "",
	} {
		n, ok := ns.MatchHost(domain.MustParse(host))
		if n.String() != want || ok != (want != "") {
			t.Errorf("MatchHost(%s) = %q, %v; want %q", host, n, ok, want)
		}
	}
}

func TestField(t *testing.T) {
	for f, want := range map[certmatch.Field]string{
		certmatch.CN: "CN", certmatch.SAN: "SAN", certmatch.Given: "given",
		certmatch.CN | certmatch.SAN: "CN+SAN", 0: "none",
	} {
		if f.String() != want {
			t.Errorf("Field(%d) = %q, want %q", f, f, want)
		}
	}
}

func TestSkippedIsACopy(t *testing.T) {
	ns := certmatch.FromCN("bad name")
	s := ns.Skipped()
	s[0] = nil
	if ns.Skipped()[0] == nil {
		t.Error("Skipped returned the Names' own slice")
	}
}
