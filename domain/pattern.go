package domain

import "strings"

// PatternKind tells exact, wildcard and any patterns apart. The zero value
// is invalid.
type PatternKind uint8

const (
	// Exact matches one name: "contoso.com".
	Exact PatternKind = iota + 1
	// Wildcard matches its base name and every name below it, at any
	// depth: "*.contoso.com" matches contoso.com and a.b.contoso.com.
	Wildcard
	// Any matches every name: "*".
	Any
)

// String returns "exact", "wildcard" or "any".
func (k PatternKind) String() string {
	switch k {
	case Exact:
		return "exact"
	case Wildcard:
		return "wildcard"
	case Any:
		return "any"
	}
	return "invalid"
}

// Pattern is an Exchange Online address-space domain: exact, wildcard or
// any (see the package documentation). The zero Pattern is invalid and
// matches nothing. Patterns are comparable with ==.
type Pattern struct {
	kind PatternKind
	base Name
}

// ParsePattern parses "contoso.com", "*.contoso.com" or "*". The base name
// follows [Parse]; a "*" anywhere but as the whole leftmost label is
// refused, and so is a wildcard over a public suffix ("*.com",
// "*.co.uk"), with an error matching [ErrPublicSuffix].
func ParsePattern(s string) (Pattern, error) {
	bad := func(msg string, sentinel error) (Pattern, error) {
		return Pattern{}, &Error{What: "pattern", Input: s, Msg: msg, Err: sentinel}
	}
	if s == "*" {
		return Pattern{kind: Any}, nil
	}
	kind, rest := Exact, s
	if r, ok := strings.CutPrefix(s, "*."); ok {
		kind, rest = Wildcard, r
	}
	if i := strings.IndexByte(rest, '*'); i >= 0 {
		if strings.HasPrefix(rest, "*") && (len(rest) == 1 || rest[1] == '.') {
			return bad("only one wildcard label is allowed, as the leftmost label", nil)
		}
		if label := labelAround(rest, i); label != "*" {
			return bad("partial wildcard "+label+": \"*\" must be the whole leftmost label", nil)
		}
		return bad("embedded wildcard: \"*\" is only allowed as the whole leftmost label", nil)
	}
	base, err := Parse(rest)
	if err != nil {
		e := err.(*Error)
		return Pattern{}, &Error{What: "pattern", Input: s, Msg: e.Msg, At: e.At}
	}
	if kind == Wildcard && IsPublicSuffix(base) {
		return bad(base.String()+" is a public suffix; a wildcard over it would match other organisations' domains", ErrPublicSuffix)
	}
	return Pattern{kind: kind, base: base}, nil
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

// MustParsePattern is like [ParsePattern] but panics on error. It is meant
// for tests and hard-coded patterns.
func MustParsePattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// ExactPattern returns the exact pattern for n, or the zero Pattern when n
// is invalid.
func ExactPattern(n Name) Pattern {
	if !n.IsValid() {
		return Pattern{}
	}
	return Pattern{kind: Exact, base: n}
}

// WildcardPattern returns "*." + n. Unlike [ParsePattern] it does not refuse
// public suffixes; it returns the zero Pattern when n is invalid.
func WildcardPattern(n Name) Pattern {
	if !n.IsValid() {
		return Pattern{}
	}
	return Pattern{kind: Wildcard, base: n}
}

// AnyPattern returns "*".
func AnyPattern() Pattern { return Pattern{kind: Any} }

// Kind returns the kind of p.
func (p Pattern) Kind() PatternKind { return p.kind }

// Base returns the name a pattern is built on ("contoso.com" for both
// "contoso.com" and "*.contoso.com"); the zero Name for "*".
func (p Pattern) Base() Name { return p.base }

// IsValid reports whether p was produced by parsing or a constructor.
func (p Pattern) IsValid() bool { return p.kind != 0 }

// String returns the pattern as it is written: "contoso.com",
// "*.contoso.com" or "*"; "" for the zero Pattern.
func (p Pattern) String() string {
	switch p.kind {
	case Exact:
		return p.base.name
	case Wildcard:
		return "*." + p.base.name
	case Any:
		return "*"
	}
	return ""
}

// Match reports whether p matches n. Matching is label-aware:
// "*.contoso.com" matches "contoso.com" and "a.b.contoso.com", but never
// "evilcontoso.com". The zero Name matches nothing.
func (p Pattern) Match(n Name) bool {
	if !n.IsValid() {
		return false
	}
	switch p.kind {
	case Exact:
		return n == p.base
	case Wildcard:
		return strings.HasPrefix(n.key, p.base.key)
	case Any:
		return true
	}
	return false
}

// Covers reports whether every name q matches is also matched by p:
// "*.contoso.com" covers "sales.contoso.com" and "*.eu.contoso.com";
// "contoso.com" covers only itself; "*" covers everything.
func (p Pattern) Covers(q Pattern) bool {
	if !p.IsValid() || !q.IsValid() {
		return false
	}
	switch q.kind {
	case Any:
		return p.kind == Any
	default:
		return p.Match(q.base) && (q.kind == Exact || p.kind != Exact)
	}
}

// Specificity orders patterns from the least to the most specific: "*" is
// 0, a wildcard counts its base's labels, and an exact pattern ranks above
// any wildcard on the same base. Patterns that both match a name are
// ordered by it the way [Pattern.Covers] orders them.
func (p Pattern) Specificity() int {
	switch p.kind {
	case Exact:
		return 2*p.base.NumLabels() + 1
	case Wildcard:
		return 2 * p.base.NumLabels()
	}
	return 0
}

// MarshalText implements encoding.TextMarshaler.
func (p Pattern) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the text must parse
// with [ParsePattern].
func (p *Pattern) UnmarshalText(text []byte) error {
	q, err := ParsePattern(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
