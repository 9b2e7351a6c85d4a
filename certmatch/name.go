package certmatch

import (
	"errors"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/mailflow-go/mailflow/domain"
)

// Name is one DNS name of a certificate: a host ("mail.contoso.com") or a
// wildcard ("*.contoso.com") that covers exactly one label below its base.
// See the package documentation for what is accepted.
//
// The zero Name is invalid: it matches nothing and proves nothing. Names are
// small immutable values, safe to copy, to share between goroutines and to
// compare with ==. Parsing precomputes which of the name's ancestors are
// public suffixes, so that matching and proving never allocate.
type Name struct {
	base     domain.Name // the host, or the base of a wildcard
	wildcard bool
	// suffix has bit k-1 set when the ancestor-or-self of base with k
	// labels is a public suffix. Only k ≤ 64 is recorded: the list's rules
	// have a handful of labels, so no deeper name is a public suffix.
	suffix uint64
	labels uint8 // base.NumLabels(), at most 127
}

// ParseName parses a certificate name: a DNS name, or "*." followed by one.
// It is stricter than crypto/x509 (see the package documentation): the name
// must parse with [domain.Parse] as written, in ASCII and without a trailing
// dot; "*" is allowed only as the whole leftmost label and never over a
// public suffix (an error matching [domain.ErrPublicSuffix]); IP addresses
// and all-numeric last labels are refused. Case is folded. The error is an
// [*Error].
func ParseName(s string) (Name, error) {
	return parseName(s, 0)
}

// MustParseName is like [ParseName] but panics on error. It is meant for
// tests and hard-coded names.
func MustParseName(s string) Name {
	n, err := ParseName(s)
	if err != nil {
		panic(err)
	}
	return n
}

func parseName(s string, field Field) (Name, error) {
	bad := func(msg string, cause error) (Name, error) {
		return Name{}, &Error{What: whatName, Field: field, Input: s, Msg: msg, Err: cause}
	}
	switch {
	case s == "":
		return bad("empty name", nil)
	case s == "*":
		return bad(`bare wildcard: "*" alone covers no host`, nil)
	case strings.HasSuffix(s, "."):
		return bad("trailing dot: a certificate name is written without one (RFC 5280 §4.2.1.6)", nil)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return bad("non-ASCII text: certificate names carry A-labels (xn--…)", nil)
		}
	}
	if isIP(s) {
		return bad("an IP address, not a DNS name", nil)
	}
	rest, wildcard := strings.CutPrefix(s, "*.")
	if i := strings.IndexByte(rest, '*'); i >= 0 {
		label := labelAround(rest, i)
		switch {
		case wildcard:
			return bad(`more than one "*": only the whole leftmost label may be a wildcard`, nil)
		case i == strings.IndexByte(s, '*') && !strings.Contains(s[:i], "."):
			return bad("partial wildcard "+quote(label)+`: "*" must be the whole leftmost label (RFC 6125 §6.4.3 rule 3 is not followed)`, nil)
		default:
			return bad("wildcard in "+quote(label)+`: "*" is only allowed as the whole leftmost label`, nil)
		}
	}
	base, err := domain.Parse(rest)
	if err != nil {
		var de *domain.Error
		msg := err.Error()
		if errors.As(err, &de) {
			msg = de.Msg
			if de.At != "" {
				msg += " (at " + quote(de.At) + ")"
			}
		}
		return bad(msg, err)
	}
	last := base.String()[strings.LastIndexByte(base.String(), '.')+1:]
	if allDigits(last) {
		return bad("all-numeric last label "+quote(last)+": looks like an IP address, not a DNS name", nil)
	}
	n := Name{base: base, wildcard: wildcard, labels: uint8(base.NumLabels())}
	for p, k := base, base.NumLabels(); ; k-- {
		if k <= 64 && domain.IsPublicSuffix(p) {
			n.suffix |= 1 << (k - 1)
		}
		var ok bool
		if p, ok = p.Parent(); !ok {
			break
		}
	}
	if wildcard && n.isSuffix() {
		return bad(base.String()+" is a public suffix: a wildcard over it would cover other organisations' names", domain.ErrPublicSuffix)
	}
	return n, nil
}

// isIP reports whether s is an IPv4 or IPv6 address, bracketed or not.
func isIP(s string) bool {
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// labelAround returns the label of s that holds index i.
func labelAround(s string, i int) string {
	start := strings.LastIndexByte(s[:i], '.') + 1
	end := strings.IndexByte(s[i:], '.')
	if end < 0 {
		return s[start:]
	}
	return s[start : i+end]
}

func quote(s string) string { return `"` + s + `"` }

// isSuffix reports whether n.base is a public suffix.
func (n Name) isSuffix() bool {
	return n.suffixBetween(int(n.labels))
}

// suffixBetween reports whether a public suffix lies between the ancestor
// of n.base with lo labels and n.base itself, both included.
func (n Name) suffixBetween(lo int) bool {
	hi := min(int(n.labels), 64)
	if lo < 1 || lo > hi {
		return false
	}
	mask := (uint64(1)<<hi - 1) &^ (uint64(1)<<(lo-1) - 1)
	return n.suffix&mask != 0
}

// below returns how many labels n.base lies below a (0 for a itself), or
// -1 when it is not at or below a. It compares reversed-label keys
// ("com.contoso.mail."), so label boundaries are respected.
func (n Name) below(a domain.Name) int {
	key, akey := n.base.Key(), a.Key()
	if akey == "" || !strings.HasPrefix(key, akey) {
		return -1
	}
	rest := key[len(akey):]
	switch {
	case rest == "":
		return 0
	case strings.IndexByte(rest, '.') == len(rest)-1:
		return 1
	}
	return strings.Count(rest, ".")
}

// String returns the name as a certificate writes it: "mail.contoso.com" or
// "*.contoso.com"; "" for the zero Name.
func (n Name) String() string {
	if n.wildcard {
		return "*." + n.base.String()
	}
	return n.base.String()
}

// IsValid reports whether n was produced by parsing (is not the zero Name).
func (n Name) IsValid() bool { return n.base.IsValid() }

// IsWildcard reports whether n is a wildcard name ("*.contoso.com").
func (n Name) IsWildcard() bool { return n.wildcard }

// Base returns the host for a host name, and the name under the "*" for a
// wildcard ("contoso.com" for "*.contoso.com").
func (n Name) Base() domain.Name { return n.base }

// MatchHost reports whether n covers host, as hostname verification does
// (RFC 6125 §6.4.3, crypto/x509's VerifyHostname): a host name covers
// itself; "*.b" covers every name exactly one label below b, never b
// itself, never deeper.
func (n Name) MatchHost(host domain.Name) bool {
	if n.wildcard {
		return oneLabelBelow(host.Key(), n.base.Key())
	}
	return n.base.IsValid() && host == n.base
}

// oneLabelBelow reports whether reversed-label key sits exactly one label
// below base ("com.contoso.mail." below "com.contoso."): the one
// definition of what a certificate wildcard covers.
func oneLabelBelow(key, base string) bool {
	return len(key) > len(base) && key[:len(base)] == base &&
		strings.IndexByte(key[len(base):], '.') == len(key)-len(base)-1
}

// MatchedBy reports whether connector pattern p matches n. A host name is
// matched as [domain.Pattern.Match] says. A wildcard name "*.b" is matched
// only when p covers every host "*.b" covers: p is "*", or p is a wildcard
// "*.B" with b equal to or below B. An exact pattern never matches a
// wildcard name, not even "mail.contoso.com" against "*.contoso.com"
// (that is what [Name.MatchHost] answers).
func (n Name) MatchedBy(p domain.Pattern) bool {
	// A wildcard "*.b" is covered by p exactly when p matches b, except
	// for an exact p, which names one host.
	return !(n.wildcard && p.Kind() == domain.Exact) && p.Match(n.base)
}

// Proves reports whether n proves accepted domain a: n is a's name or sits
// directly under it, or a matches subdomains and n lies below it at any
// depth. A wildcard "*.b" proves b (its hosts sit directly under b) and,
// when a matches subdomains, any a above b. Nothing is proved through a
// public suffix: n proves a only when no name from n up to a, both
// included, is one. So "github.io" proves nothing, "contoso.co.uk" does not
// prove "co.uk", and "a.s3.amazonaws.com" (a customer's name under the
// suffix s3.amazonaws.com) does not prove "amazonaws.com".
func (n Name) Proves(a domain.AcceptedDomain) bool {
	d := n.below(a.Name)
	if d < 0 {
		return false
	}
	ok := d == 0 || d == 1 && !n.wildcard || a.MatchSubDomains
	return ok && !n.suffixBetween(int(n.labels)-d)
}

// ProofCandidates returns the names of the accepted domains that n proves
// without MatchSubDomains, for a caller that keeps accepted domains in an
// index: for a host, the host itself and its parent; for a wildcard
// "*.b", b. Public suffixes are left out. An accepted domain that matches
// subdomains can also be proved from further up: walk up from the last
// candidate with [domain.Name.Parent] and check the MatchSubDomains
// domains found with [Name.Proves], which also refuses a proof across a
// public suffix.
//
//	mail.contoso.com   mail.contoso.com, contoso.com
//	*.contoso.com      contoso.com
//	contoso.co.uk      contoso.co.uk   (co.uk is a public suffix)
//
// It does not allocate.
func (n Name) ProofCandidates() (names [2]domain.Name, count int) {
	if !n.base.IsValid() {
		return names, 0
	}
	if n.wildcard {
		names[0] = n.base
		return names, 1
	}
	if n.isSuffix() {
		return names, 0
	}
	names[0], count = n.base, 1
	if p, ok := n.base.Parent(); ok && !n.suffixBetween(int(n.labels)-1) {
		names[1], count = p, 2
	}
	return names, count
}

// MarshalText implements encoding.TextMarshaler.
func (n Name) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseName].
func (n *Name) UnmarshalText(text []byte) error {
	m, err := ParseName(string(text))
	if err != nil {
		return err
	}
	*n = m
	return nil
}
