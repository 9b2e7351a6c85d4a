package certmatch_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
)

// certnamesPath is the one copy of the certificate-name vectors in the
// repository, beside the other vectors in domain's testdata (whose
// README.md cites the upstream sources).
const certnamesPath = "../domain/testdata/vectors/certnames.json"

// certnameCase is one case of certnames.json (see the README beside it): a certificate name (pattern) in a field, a host, and whether
// upstream says the certificate is valid for the host.
type certnameCase struct {
	ID           string `json:"id"`
	Pattern      string `json:"pattern"`
	PatternField string `json:"pattern_field"` // dNSName, CN, otherName
	Host         string `json:"host"`
	Match        bool   `json:"match"`
	Cert         *struct {
		CN  []string `json:"cn"`
		DNS []string `json:"dns"`
	} `json:"cert"`
	Upstream string `json:"upstream"`
	Note     string `json:"note"`
}

// intentional lists the vector cases where our answer differs from
// upstream's on purpose, with the reason. Every other case must agree, and
// every case listed here must still differ (a stale entry fails).
var intentional = map[string]string{
	// A wildcard over a public suffix covers other organisations' names;
	// Exchange refuses such connector patterns and we skip such
	// certificate names (golang.org/x/net/publicsuffix, both sections).
	"cert-0027": "public suffix: Go matches *.com against example.com",
	"cert-0124": "public suffix: webpki matches *.co.uk (it knows no suffix list; Chromium refuses)",
	"cert-0218": "public suffix: Node matches *.co.uk against a.co.uk",
	"cert-0130": "public suffix: webpki matches *.com.br",
	"cert-0132": "public suffix: appspot.com is in the list's private section",
	"cert-0133": "public suffix: s3.amazonaws.com is in the list's private section",
	// Partial-label wildcards: RFC 6125 rule 3 is a MAY; Go, webpki and
	// Python ≥ 3.7 refuse them, and so do we.
	"cert-0197": "partial wildcard (Python ≤ 3.6)",
	"cert-0198": "partial wildcard (Python ≤ 3.6)",
	"cert-0199": "partial wildcard (Python ≤ 3.6)",
	"cert-0201": "partial wildcard (Python ≤ 3.6)",
	"cert-0227": "partial wildcard (Node)",
	"cert-0238": "partial wildcard (RFC 6125 rule 3, MAY)",
	"cert-0241": "partial wildcard (RFC 2818)",
	"cert-0246": "partial wildcard (SChannel, KB 258858)",
	// Exchange checks "Subject or SAN": the CN counts even when the
	// certificate has DNS SANs.
	"cert-0195": "CN used alongside SANs (Python ignores the CN when a SAN exists)",
	// Names that are not valid DNS names are skipped, not compared as text.
	"cert-0013": "empty label: Go compares invalid names exactly",
	"cert-0024": "trailing dot in a certificate name is refused (RFC 5280 names have none); Go matches it against a host with a trailing dot",
}

func loadCertnames(t *testing.T) []certnameCase {
	t.Helper()
	// A missing file fails: the vectors are part of the repository.
	data, err := os.ReadFile(certnamesPath)
	if err != nil {
		t.Fatalf("test vectors: %v", err)
	}
	var cases []certnameCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("%s: %v", certnamesPath, err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s: no cases", certnamesPath)
	}
	return cases
}

// vectorCert makes the certificate a case describes: its whole cert when
// given, else the pattern in its field.
func vectorCert(c certnameCase) (*x509.Certificate, error) {
	var spec certSpec
	switch {
	case c.Cert != nil:
		spec.CN, spec.DNS = c.Cert.CN, c.Cert.DNS
	case c.PatternField == "CN":
		spec.CN = []string{c.Pattern}
	case c.PatternField == "dNSName":
		spec.DNS = []string{c.Pattern}
	}
	cert, err := selfSigned(spec)
	if err != nil {
		// x509 refuses to encode it: keep the names in memory, as a
		// parser would have them.
		cert = &x509.Certificate{DNSNames: spec.DNS}
		for _, cn := range spec.CN {
			cert.Subject.Names = append(cert.Subject.Names, pkix.AttributeTypeAndValue{Type: oidCN, Value: cn})
		}
	}
	return cert, err
}

// TestCertnameVectors runs every case of certnames.json through
// FromCertificate and Names.MatchHost on a generated certificate, and
// checks x509's VerifyHostname on the same certificate as an oracle: where
// it disagrees with us, the difference must be a documented one.
func TestCertnameVectors(t *testing.T) {
	cases := loadCertnames(t)
	passed, differ := 0, 0
	var differIDs []string
	oracle := map[string]int{}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.ID] = true
		cert, err := vectorCert(c)
		if err != nil {
			t.Logf("%s: x509 cannot encode %q (%v); using an in-memory certificate", c.ID, c.Pattern, err)
		}
		names := certmatch.FromCertificate(cert)
		ours, _ := hostVerdict(names, c.Host)

		// The oracle: x509 on the same certificate.
		theirs := cert.VerifyHostname(c.Host) == nil
		if c.Upstream == "go-x509" && theirs != c.Match {
			t.Errorf("%s: x509 VerifyHostname(%q) on %q = %v, upstream says %v: the oracle is not what the vectors describe",
				c.ID, c.Host, c.Pattern, theirs, c.Match)
		}
		if ours != theirs {
			why := explainDifference(cert, names, c.Host, ours, theirs)
			if _, ok := differences[why]; !ok {
				t.Errorf("%s: pattern %q host %q: ours %v, x509 %v: unexplained difference (%s)", c.ID, c.Pattern, c.Host, ours, theirs, why)
			}
			oracle[why]++
		}

		reason, listed := intentional[c.ID]
		switch {
		case listed && ours == c.Match:
			t.Errorf("%s: listed as an intentional difference (%s) but now agrees with upstream (%q vs %q: %v)", c.ID, reason, c.Pattern, c.Host, ours)
		case listed:
			differ++
			differIDs = append(differIDs, c.ID)
		case ours != c.Match:
			t.Errorf("%s (%s): %s %q vs host %q: got %v, want %v; names %q, skipped %v (%s)",
				c.ID, c.Upstream, c.PatternField, c.Pattern, c.Host, ours, c.Match, names, names.Skipped(), c.Note)
		default:
			passed++
		}
	}
	for id := range intentional {
		if !seen[id] {
			t.Errorf("%s is listed as an intentional difference but is not in %s", id, certnamesPath)
		}
	}
	sort.Strings(differIDs)
	t.Logf("certnames.json: %d cases, %d passed, %d intentional differences:", len(cases), passed, differ)
	for _, id := range differIDs {
		t.Logf("  %s: %s", id, intentional[id])
	}
	t.Logf("x509 oracle differences by category: %s", formatCounts(oracle))
	if passed+differ != len(cases) && !t.Failed() {
		t.Errorf("counted %d+%d of %d cases", passed, differ, len(cases))
	}
}
