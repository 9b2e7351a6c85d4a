package certmatch_test

import (
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// Our hostname semantics (Names.MatchHost) are checked against crypto/x509's
// VerifyHostname, used as an oracle on real certificates made with
// x509.CreateCertificate. Where the two answers differ, the difference must
// be one of the documented, intentional ones below; anything else fails.
//
// Each category is a place where this package is deliberately stricter
// than x509 (never more lenient: a host we match, x509 matches too, except
// through the CN, which x509 ignores).
var differences = map[string]string{
	"cn":               "the Subject CN is a certificate name, as Exchange checks \"Subject or SAN\"; x509 ignores the CN",
	"public-suffix":    "a wildcard over a public suffix (*.com, *.co.uk, *.appspot.com) is skipped; x509 matches it",
	"partial-wildcard": "a partial-label wildcard (f*.example.com) is skipped; x509 does not expand it either, but compares it exactly, as text (RFC 2818, RFC 6125 rule 3 (MAY), Node, Python ≤ 3.6 and SChannel expand it)",
	"numeric-tld":      "a name whose last label is all digits (\"7\", \"*.2.3.4\") looks like an IP address and is skipped (RFC 3696 §2); x509 matches it as a name unless the host parses as an IP",
	"multi-wildcard":   "a name with more than one \"*\" or a \"*\" below the leftmost label is skipped; x509 compares it exactly, as text",
	"bare-wildcard":    "\"*\" alone is skipped; x509 compares it exactly, as text",
	"trailing-dot":     "a trailing dot in a certificate name is refused; x509 matches \"example.com.\" against a host with a trailing dot",
	"empty-label":      "a name with an empty label is skipped; x509 compares such invalid names exactly",
	"underscore":       "underscores are refused in names and hosts (not mail domains); x509 tolerates them",
	"hyphen":           "a label starting or ending with \"-\", or with \"--\" in positions 3-4 outside an A-label, is refused (domain.Parse); x509 allows a trailing or inner hyphen",
	"bad-a-label":      "an xn-- label that is not a valid A-label is refused; x509 does not decode A-labels",
	"bad-character":    "characters outside letters, digits and hyphen are refused; x509 compares such names exactly",
	"host-invalid":     "a host that is not a valid mail domain never matches; x509 compares it exactly against invalid names",
}

// classifyNameErr names the category of a refused certificate name.
func classifyNameErr(err error) string {
	var e *certmatch.Error
	if !errors.As(err, &e) {
		return "not a certmatch error: " + err.Error()
	}
	msg := e.Msg
	switch {
	case errors.Is(err, domain.ErrPublicSuffix):
		return "public-suffix"
	case strings.Contains(msg, "partial wildcard"):
		return "partial-wildcard"
	case strings.Contains(msg, `more than one "*"`), strings.Contains(msg, "wildcard in"):
		return "multi-wildcard"
	case strings.Contains(msg, "bare wildcard"):
		return "bare-wildcard"
	case strings.Contains(msg, "trailing dot"):
		return "trailing-dot"
	case strings.Contains(msg, "empty label"), msg == "empty name":
		return "empty-label"
	case strings.Contains(msg, "all-numeric"):
		return "numeric-tld"
	case strings.Contains(msg, "underscore"):
		return "underscore"
	case strings.Contains(msg, "hyphen"):
		return "hyphen"
	case strings.Contains(msg, "internationalised"):
		return "bad-a-label"
	case strings.Contains(msg, "bad character"), strings.Contains(msg, "non-ASCII"):
		return "bad-character"
	}
	return "unexpected: " + msg
}

// hostVerdict is our answer for host against names: false for a host that
// is an IP address or not a valid domain name.
func hostVerdict(names certmatch.Names, host string) (bool, error) {
	if isIPHost(host) {
		return false, nil
	}
	h, err := domain.Parse(host)
	if err != nil {
		return false, err
	}
	_, ok := names.MatchHost(h)
	return ok, nil
}

func isIPHost(h string) bool {
	if len(h) >= 3 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	return net.ParseIP(h) != nil
}

// explainDifference returns the category of an intentional difference
// between our answer and x509's for host against cert, or "" when there is
// none to explain it.
func explainDifference(cert *x509.Certificate, names certmatch.Names, host string, ours, theirs bool) string {
	if ours && !theirs {
		// We matched where x509 did not: only a CN may do that.
		h, _ := domain.Parse(host)
		for n, f := range names.All() {
			if n.MatchHost(h) && f&certmatch.SAN == 0 && f&certmatch.CN != 0 {
				return "cn"
			}
		}
		return ""
	}
	// x509 matched: find a DNS SAN that matches by itself, and say why we
	// did not use it.
	for _, s := range cert.DNSNames {
		if (&x509.Certificate{DNSNames: []string{s}}).VerifyHostname(host) != nil {
			continue
		}
		if _, err := certmatch.ParseName(s); err != nil {
			return classifyNameErr(err)
		}
		if _, err := domain.Parse(host); err != nil {
			var de *domain.Error
			if errors.As(err, &de) && strings.Contains(de.Msg, "underscore") {
				return "underscore"
			}
			return "host-invalid"
		}
	}
	return ""
}

// TestDifferentialVerifyHostname compares MatchHost with x509's
// VerifyHostname on certificates with random names built from a small label
// alphabet (fixed seed), so that wildcards, empty labels, case, trailing
// dots, underscores, hyphens, A-labels and public suffixes all meet.
func TestDifferentialVerifyHostname(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 500
	}
	rng := rand.New(rand.NewPCG(6125, 9525))
	// Mostly ordinary labels, so that many names parse and match; a fifth
	// from the edge cases.
	good := []string{"a", "b", "ab", "Ab", "a-b", "x1", "mail", "contoso", "xn--bcher-kva"}
	edge := []string{"7", "_a", "a_b", "-a", "a-", "ab--c", "xn--a", "com", "co", "uk", "io", "github",
		"*", "a*", "*a", "", "a b", "A"}
	hostEdge := []string{"7", "_a", "-a", "a-", "com", "co", "uk", "", "*", "AB"}
	label := func(edge []string) string {
		if rng.IntN(5) == 0 {
			return edge[rng.IntN(len(edge))]
		}
		return good[rng.IntN(len(good))]
	}
	makeName := func(from []string, wildcard bool) string {
		k := 1 + rng.IntN(4)
		parts := make([]string, k)
		for i := range parts {
			parts[i] = label(from)
		}
		if wildcard {
			parts[0] = "*"
		}
		s := strings.Join(parts, ".")
		if rng.IntN(10) == 0 {
			s += "."
		}
		return s
	}
	counts := map[string]int{}
	agree, bothMatch := 0, 0
	for range n {
		pattern := makeName(edge, rng.IntN(2) == 0)
		var host string
		switch r := rng.IntN(10); {
		case r < 5: // the pattern, with its wildcard filled in
			host = strings.Replace(strings.TrimSuffix(pattern, "."), "*", label(hostEdge), 1)
		case r < 6: // one label deeper
			host = label(hostEdge) + "." + strings.Replace(pattern, "*", "a", 1)
		case r < 7: // the apex of a wildcard
			host = strings.TrimPrefix(pattern, "*.")
		default:
			host = makeName(hostEdge, false)
		}
		cert, err := selfSigned(certSpec{DNS: []string{pattern}})
		if err != nil {
			counts["x509 refused to create: "+err.Error()]++
			continue
		}
		names := certmatch.FromCertificate(cert)
		ours, _ := hostVerdict(names, host)
		theirs := cert.VerifyHostname(host) == nil
		if ours == theirs {
			agree++
			if ours {
				bothMatch++
			}
			continue
		}
		why := explainDifference(cert, names, host, ours, theirs)
		if _, ok := differences[why]; !ok {
			t.Errorf("pattern %q host %q: ours %v, x509 %v: unexplained difference (%s)", pattern, host, ours, theirs, why)
			continue
		}
		counts[why]++
	}
	t.Logf("%d cases: %d agree with x509 (%d of them matches); intentional differences: %s", n, agree, bothMatch, formatCounts(counts))
	if agree < n/2 || bothMatch < n/10 {
		t.Errorf("%d of %d cases agree, %d matches: the generator no longer exercises matching", agree, n, bothMatch)
	}
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strconv.Itoa(m[k]))
	}
	return b.String()
}
