// External test vectors from testdata/vectors (see its README.md, which
// cites every upstream source; certmatch's tests read certnames.json from
// there too): every expected result below is taken from the vector file,
// never re-derived. Counts with Go 1.26.8 and golang.org/x/net v0.62.0:
//
//	idna.json       151 cases: 151 passed, 0 skipped, 0 exceptions
//	psl.json        109 cases:  95 passed, 14 skipped (11 ICANN-only
//	                            ignore_private, 3 assert only the icann
//	                            flag), 0 exceptions
//	addresses.json  426 cases: 352 passed, 67 skipped (52 go-net-mail and
//	                            15 python-email: RFC 5322 header parsers),
//	                            7 exceptions
//	certnames.json  136 cases:  69 passed, 50 skipped (49 matching
//	                            semantics, 1 otherName), 17 exceptions
//
// Cases an upstream suite and this package honestly disagree on are listed
// by id in an exception table with the reason; an exception that starts to
// pass fails the test, so the tables cannot go stale.
package domain_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/domain"
)

// vectorDir holds the vector files, in this repository (a copy of the
// shared vectors, README.md included).
const vectorDir = "testdata/vectors"

// loadVectors decodes one vector file. A missing or unreadable file fails
// the test: the vectors are part of the repository, so their absence is a
// broken checkout, never a reason to skip.
func loadVectors[T any](t *testing.T, file string) []T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, file))
	require.NoError(t, err, "test vectors %s", filepath.Join(vectorDir, file))
	var cases []T
	require.NoError(t, json.Unmarshal(b, &cases))
	require.NotEmpty(t, cases, "%s holds no cases", file)
	return cases
}

// tally counts what a vector test did with its cases and checks its
// exception table: every listed id must exist and must still disagree.
type tally struct {
	passed, skipped, excepted, failed int
	why                               map[string]int // skip reason → count
	seen                              map[string]bool
}

func newTally() *tally { return &tally{why: map[string]int{}, seen: map[string]bool{}} }

func (c *tally) skip(reason string) { c.skipped++; c.why[reason]++ }

// run runs check (which returns "" when the case agrees with the vector,
// else what differs) for case id, honouring exceptions.
func (c *tally) run(t *testing.T, id string, exceptions map[string]string, check func() string) {
	t.Helper()
	diff := check()
	reason, excepted := exceptions[id]
	c.seen[id] = true
	switch {
	case excepted && diff == "":
		t.Errorf("%s: listed as an exception (%s) but now agrees with the vector: remove it from the table", id, reason)
	case excepted:
		c.excepted++
	case diff != "":
		c.failed++
		t.Errorf("%s: %s", id, diff)
	default:
		c.passed++
	}
}

func (c *tally) report(t *testing.T, file string, exceptions map[string]string) {
	t.Helper()
	for id := range exceptions {
		if !c.seen[id] {
			t.Errorf("exception %s is not an applicable case of %s", id, file)
		}
	}
	t.Logf("%s: %d passed, %d skipped (not applicable), %d exceptions, %d failed", file, c.passed, c.skipped, c.excepted, c.failed)
	for reason, n := range c.why {
		t.Logf("  skipped %d: %s", n, reason)
	}
}

// errText is err's text, or "no error".
func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

type idnaCase struct {
	ID     string  `json:"id"`
	Input  string  `json:"input"`
	ASCII  *string `json:"ascii"`
	Error  bool    `json:"error"`
	Status []string
}

// TestVectorsIDNA checks Parse against Unicode's IdnaTestV2 (ToASCII,
// non-transitional, every flag on). A Name never has a trailing dot, so
// the expected ASCII form loses one ("a.b.c.d." gives a.b.c.d).
func TestVectorsIDNA(t *testing.T) {
	cases := loadVectors[idnaCase](t, "idna.json")
	// No IdnaTestV2 case in the subset disagrees with Parse: the only
	// rules Parse adds to UTS #46 (underscore refused, one trailing dot
	// removed) concern inputs that UTS #46 with UseSTD3ASCIIRules refuses
	// too, or that it accepts with the same labels.
	exceptions := map[string]string{}
	c := newTally()
	for _, tc := range cases {
		c.run(t, tc.ID, exceptions, func() string {
			n, err := domain.Parse(tc.Input)
			switch {
			case tc.Error && err == nil:
				return "Parse(" + quote(tc.Input) + ") = " + n.String() + ", want an error (" + strings.Join(tc.Status, " ") + ")"
			case tc.Error:
				return ""
			case tc.ASCII == nil:
				return "vector has neither error nor ascii"
			case err != nil:
				return "Parse(" + quote(tc.Input) + "): " + err.Error() + ", want " + *tc.ASCII
			case n.String() != strings.TrimSuffix(*tc.ASCII, "."):
				return "Parse(" + quote(tc.Input) + ") = " + n.String() + ", want " + *tc.ASCII + " less one trailing dot"
			}
			return ""
		})
	}
	c.report(t, "idna", exceptions)
	assert.Equal(t, len(cases), c.passed+c.skipped+c.excepted+c.failed)
}

type pslCase struct {
	ID          string  `json:"id"`
	Domain      *string `json:"domain"`
	Registrable *string `json:"registrable"`
	// HasRegistrable tells a null registrable from a missing one.
	HasRegistrable bool
	Options        struct {
		IgnorePrivate bool `json:"ignore_private"`
	} `json:"options"`
}

func (p *pslCase) UnmarshalJSON(b []byte) error {
	type plain pslCase
	if err := json.Unmarshal(b, (*plain)(p)); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	_, p.HasRegistrable = fields["registrable"]
	return nil
}

// TestVectorsPSL checks RegistrableDomain and IsPublicSuffix against the
// public suffix list's own tests, golang.org/x/net's, weppos's and
// libpsl's. Names are parsed first, so case and U-labels are handled by
// Parse; both sides of a comparison are parsed the same way.
func TestVectorsPSL(t *testing.T) {
	cases := loadVectors[pslCase](t, "psl.json")
	exceptions := map[string]string{}
	c := newTally()
	for _, tc := range cases {
		switch {
		case tc.Options.IgnorePrivate:
			// This package always applies the PRIVATE section too.
			c.skip("ignore_private: expects ICANN rules only; IsPublicSuffix and RegistrableDomain include private rules")
			continue
		case !tc.HasRegistrable:
			c.skip("asserts only the icann flag, which this package does not expose")
			continue
		}
		c.run(t, tc.ID, exceptions, func() string {
			if tc.Domain == nil {
				if tc.Registrable != nil {
					return "null input with a registrable domain"
				}
				return "" // nothing to parse: Parse takes a string
			}
			in := *tc.Domain
			n, err := domain.Parse(in)
			if err != nil {
				// Empty labels, IP addresses: not a Name, and upstream
				// must agree there is no registrable domain.
				if tc.Registrable != nil {
					return "Parse(" + quote(in) + "): " + err.Error() + ", want registrable " + *tc.Registrable
				}
				return ""
			}
			got, ok := domain.RegistrableDomain(n)
			if tc.Registrable == nil {
				if ok {
					return "RegistrableDomain(" + n.String() + ") = " + got.String() + ", want none"
				}
				if !domain.IsPublicSuffix(n) {
					return "IsPublicSuffix(" + n.String() + ") = false, want true (no registrable domain)"
				}
				return ""
			}
			want, err := domain.Parse(*tc.Registrable)
			if err != nil {
				return "expected registrable " + quote(*tc.Registrable) + " does not parse: " + err.Error()
			}
			switch {
			case !ok:
				return "RegistrableDomain(" + n.String() + ") = none, want " + want.String()
			case got != want:
				return "RegistrableDomain(" + n.String() + ") = " + got.String() + ", want " + want.String()
			case domain.IsPublicSuffix(n):
				return "IsPublicSuffix(" + n.String() + ") = true, want false (registrable " + want.String() + ")"
			}
			return ""
		})
	}
	c.report(t, "psl", exceptions)
	assert.Equal(t, len(cases), c.passed+c.skipped+c.excepted+c.failed)
}

type addressCase struct {
	ID       string  `json:"id"`
	Input    string  `json:"input"`
	Domain   *string `json:"domain"`
	Valid    bool    `json:"valid"`
	Upstream string  `json:"upstream"`
	Path     *string `json:"path"`
}

// addressExceptions are the cases where an upstream suite and FromAddress
// (RFC 5321 Path/Mailbox with RFC 6531 UTF-8) honestly disagree.
var addressExceptions = map[string]string{
	// The empty string is the null reverse-path here (how Postfix and
	// others hand over MAIL FROM:<>), as in Haraka (addr-0455).
	"addr-0001": `isemail: "" is not an address (bare local@domain context); FromAddress reads it as the null path (ErrNullPath)`,
	"addr-0511": `go-smtp: MAIL FROM needs "<>" literally; FromAddress reads "" as the null path (ErrNullPath)`,
	// A backslash outside quotes is not RFC 5321 Dot-string syntax.
	"addr-0523": `apache-james accepts "\.server-dev" (backslash outside quotes); RFC 5321 atext has no backslash`,
	// RFC 6531 (SMTPUTF8) allows UTF-8 local parts and IDN domains; James
	// rejects them only because of a jakarta.mail limitation, as upstream
	// says, and Haraka accepts the same addresses (addr-0445..0449).
	// One trailing dot in the domain is the same name without it
	// (issue 12), as Postfix strips it; isemail refuses it.
	"addr-0241": "one trailing dot in the domain is removed, as Postfix does; isemail refuses it",
	"addr-0268": "one trailing dot in the domain is removed, as Postfix does; isemail refuses it",
	"addr-0355": "one trailing dot in the domain is removed, as Postfix does; isemail refuses it",
	"addr-0567": "apache-james rejects UTF-8 addresses (jakarta.mail limitation, per upstream); RFC 6531 allows them",
	"addr-0569": "apache-james rejects UTF-8 addresses (jakarta.mail limitation, per upstream); RFC 6531 allows them",
	"addr-0570": "apache-james rejects UTF-8 addresses (jakarta.mail limitation, per upstream); RFC 6531 allows them",
	"addr-0571": "apache-james rejects UTF-8 addresses (jakarta.mail limitation, per upstream); RFC 6531 allows them",
}

// TestVectorsAddresses checks FromAddress against isemail (SMTP validity),
// Haraka's RFC 5321 path parser, go-smtp's reverse-path parser and Apache
// James. Valid with a domain: FromAddress gives that domain, parsed (or
// ErrAddressLiteral for "[…]"); valid without one: the null path or
// postmaster; invalid: a plain error, with no sentinel, because every
// sentinel means "well-formed, but no domain".
func TestVectorsAddresses(t *testing.T) {
	cases := loadVectors[addressCase](t, "addresses.json")
	c := newTally()
	for _, tc := range cases {
		switch tc.Upstream {
		case "isemail", "haraka-address-rfc2821", "emersion-go-smtp", "apache-james":
		case "go-net-mail", "python-email":
			// RFC 5322 header syntax (display names, comments, groups,
			// obsolete forms): not what an SMTP envelope holds.
			c.skip("RFC 5322 header address parser (" + tc.Upstream + "), not an envelope path")
			continue
		default:
			t.Errorf("%s: unknown upstream %q: decide whether it applies", tc.ID, tc.Upstream)
			continue
		}
		c.run(t, tc.ID, addressExceptions, func() string {
			in := tc.Input
			if tc.Path != nil { // go-smtp: the path without the ESMTP parameters
				in = *tc.Path
			}
			got, err := domain.FromAddress(in)
			sentinel := errors.Is(err, domain.ErrNullPath) || errors.Is(err, domain.ErrNoDomain) || errors.Is(err, domain.ErrAddressLiteral)
			switch {
			case !tc.Valid && err == nil:
				return "FromAddress(" + quote(in) + ") = " + got.String() + ", want an error"
			case !tc.Valid && sentinel:
				return "FromAddress(" + quote(in) + "): " + err.Error() + ", want a syntax error, not a sentinel"
			case !tc.Valid:
				return ""
			case tc.Domain == nil:
				if !errors.Is(err, domain.ErrNullPath) && !errors.Is(err, domain.ErrNoDomain) {
					return "FromAddress(" + quote(in) + "): " + errText(err) + ", want ErrNullPath or ErrNoDomain"
				}
				return ""
			case strings.HasPrefix(*tc.Domain, "["):
				if !errors.Is(err, domain.ErrAddressLiteral) {
					return "FromAddress(" + quote(in) + "): " + errText(err) + ", want ErrAddressLiteral"
				}
				return ""
			}
			want, perr := domain.Parse(*tc.Domain)
			switch {
			case perr != nil:
				return "domain " + quote(*tc.Domain) + " of a valid address does not parse: " + perr.Error()
			case err != nil:
				return "FromAddress(" + quote(in) + "): " + err.Error() + ", want " + want.String()
			case got != want:
				return "FromAddress(" + quote(in) + ") = " + got.String() + ", want " + want.String()
			}
			return ""
		})
	}
	c.report(t, "addresses", addressExceptions)
	assert.Equal(t, len(cases), c.passed+c.skipped+c.excepted+c.failed)
}

type certCase struct {
	ID             string `json:"id"`
	Pattern        string `json:"pattern"`
	PatternField   string `json:"pattern_field"`
	Host           string `json:"host"`
	Match          bool   `json:"match"`
	Upstream       string `json:"upstream"`
	UpstreamResult string `json:"upstream_result"`
}

// certExceptions are certificate names whose syntax verdict differs from
// ParsePattern's, by design.
var certExceptions = map[string]string{
	// One trailing dot is removed from every name and pattern (DESIGN.md,
	// "Domain names"); webpki refuses absolute names as presented ids.
	"cert-0059": `rustls-webpki refuses the absolute name "example."; ParsePattern removes one trailing dot`,
	"cert-0063": `rustls-webpki refuses the absolute name "example.com."; ParsePattern removes one trailing dot`,
	"cert-0141": `rustls-webpki refuses the absolute name "f."; ParsePattern removes one trailing dot`,
	"cert-0144": `rustls-webpki refuses the absolute name "*.bar.foo.com."; ParsePattern removes one trailing dot`,
	// webpki only counts labels; this package refuses a wildcard over any
	// public suffix, including the PRIVATE section (ErrPublicSuffix).
	"cert-0124": "rustls-webpki accepts *.co.uk; co.uk is a public suffix (ErrPublicSuffix)",
	"cert-0130": "rustls-webpki accepts *.com.br; com.br is a public suffix (ErrPublicSuffix)",
	"cert-0132": "rustls-webpki accepts *.appspot.com; appspot.com is a public suffix, PRIVATE section (ErrPublicSuffix)",
	"cert-0133": "rustls-webpki accepts *.s3.amazonaws.com; it is a public suffix, PRIVATE section (ErrPublicSuffix)",
	// "*" alone is Exchange's any pattern; as a certificate name it is
	// malformed, which certmatch has to enforce on certificates.
	"cert-0127": `rustls-webpki refuses the certificate name "*"; ParsePattern accepts it as the any pattern`,
	// Partial-label wildcards: RFC 6125 §6.4.3 rule 3 (a MAY), RFC 2818,
	// Python ≤ 3.6, Node and SChannel match them; Go, webpki and Python
	// ≥ 3.7 never do. Exchange patterns allow "*" only as a whole label.
	"cert-0197": `python-ssl-3.6 matches the partial wildcard "f*.com"; ParsePattern refuses it`,
	"cert-0198": `python-ssl-3.6 matches the partial wildcard "f*.com"; ParsePattern refuses it`,
	"cert-0199": `python-ssl-3.6 matches the partial wildcard "a*b.com"; ParsePattern refuses it`,
	"cert-0201": `python-ssl-3.6 matches the partial wildcard "www*.xn--pythn-mua.org"; ParsePattern refuses it`,
	"cert-0227": `nodejs-tls matches the partial wildcard "*b.a.com"; ParsePattern refuses it`,
	"cert-0238": `RFC 6125 §6.4.3 (MAY) matches the partial wildcard "b*z.example.net"; ParsePattern refuses it`,
	"cert-0241": `RFC 2818 matches the partial wildcard "f*.com"; ParsePattern refuses it`,
	"cert-0246": `SChannel matches the partial wildcard "ww*.example.com"; ParsePattern refuses it`,
}

// TestVectorsCertNames uses the certificate-name vectors only for name
// syntax: whether the presented name is a pattern ParsePattern accepts.
// Which host a certificate name matches is certmatch's business (a
// certificate wildcard covers one label, a pattern wildcard any number),
// so the match verdicts are not checked here. Applicable cases:
//   - rustls-webpki says the name is malformed, or that it is well-formed
//     (Ok): ParsePattern must refuse, or accept, it;
//   - any suite: a "*" that is not the whole leftmost label (partial or
//     embedded): upstream says it never matches, ParsePattern refuses it;
//     where upstream says it matches, the case is an exception above.
func TestVectorsCertNames(t *testing.T) {
	cases := loadVectors[certCase](t, "certnames.json")
	c := newTally()
	for _, tc := range cases {
		malformed := tc.UpstreamResult == "Err(Error::MalformedDnsIdentifier)"
		wellFormed := strings.HasPrefix(tc.UpstreamResult, "Ok(")
		partial := partialWildcard(tc.Pattern)
		switch {
		case tc.PatternField == "otherName":
			c.skip("otherName: not a DNS name")
			continue
		case !malformed && !wellFormed && !partial:
			c.skip("matching semantics: certmatch's tests, not name syntax")
			continue
		}
		c.run(t, tc.ID, certExceptions, func() string {
			_, err := domain.ParsePattern(tc.Pattern)
			switch {
			case wellFormed && err != nil:
				return "ParsePattern(" + quote(tc.Pattern) + "): " + err.Error() + ", want it accepted (" + tc.UpstreamResult + ")"
			case (malformed || partial) && err == nil:
				return "ParsePattern(" + quote(tc.Pattern) + ") accepted, want an error (" + tc.Upstream + ": " + verdict(tc) + ")"
			case partial && tc.Match:
				return "upstream matches a partial wildcard that ParsePattern refuses"
			}
			return ""
		})
	}
	c.report(t, "certnames", certExceptions)
	assert.Equal(t, len(cases), c.passed+c.skipped+c.excepted+c.failed)
}

// partialWildcard reports whether s holds a "*" that is not the whole
// leftmost label: "f*.com", "a.*.com", "*.*.com".
func partialWildcard(s string) bool {
	rest := strings.TrimPrefix(s, "*.")
	if s == "*" {
		return false
	}
	return strings.Contains(rest, "*")
}

func verdict(tc certCase) string {
	if tc.UpstreamResult != "" {
		return tc.UpstreamResult
	}
	if tc.Match {
		return "match"
	}
	return "no match"
}

func quote(s string) string { return strconv.Quote(s) }
