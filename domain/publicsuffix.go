package domain

import "golang.org/x/net/publicsuffix"

// IsPublicSuffix reports whether n is a public suffix: a name under which
// the public can register domains (com, co.uk, github.io), using the ICANN
// and private sections of the public suffix list compiled into
// golang.org/x/net/publicsuffix, including its implicit "*" rule (so every
// single-label name is a suffix). No tenant can own such a name.
func IsPublicSuffix(n Name) bool {
	if !n.IsValid() {
		return false
	}
	s, _ := publicsuffix.PublicSuffix(n.name)
	return s == n.name
}

// RegistrableDomain returns the registrable domain (eTLD+1) of n:
// "contoso.co.uk" for "mail.contoso.co.uk". It reports false when n is
// itself a public suffix.
func RegistrableDomain(n Name) (Name, bool) {
	if !n.IsValid() {
		return Name{}, false
	}
	s, _ := publicsuffix.PublicSuffix(n.name)
	if s == n.name {
		return Name{}, false
	}
	// The registrable domain is the suffix plus one label: a suffix of n
	// on a label boundary, so it can be sliced out of n without parsing.
	for p := n; ; {
		q, ok := p.Parent()
		if !ok {
			return Name{}, false
		}
		if q.name == s {
			return p, true
		}
		p = q
	}
}
