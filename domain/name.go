package domain

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits of a DNS name in its ASCII form (RFC 1035 §2.3.4, without the
// trailing dot of the root).
const (
	MaxLabelLen = 63
	MaxNameLen  = 253
)

// Name is a canonical domain name: ASCII, lower case, no trailing dot. See
// the package documentation for the rules.
//
// The zero Name is invalid. Names are small values, safe to copy and to
// compare with ==. Besides the name itself a Name carries its reversed-label
// key ("sales.contoso.com" → "com.contoso.sales."), computed once at parse
// time so that index lookups never allocate; both strings share one
// allocation, and [Name.Parent] slices them without copying.
type Name struct {
	name string // "sales.contoso.com"
	key  string // "com.contoso.sales."
}

// lookupProfile is UTS #46 ToASCII with every check on, non-transitional:
// the settings under which golang.org/x/net/idna passes all of the Unicode
// IdnaTestV2 vectors in shared/vectors/idna.json (idna.Lookup skips the DNS
// length checks).
var lookupProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
	idna.Transitional(false),
)

// lengthlessProfile is lookupProfile without the DNS length checks. It is
// used only to explain a failure of lookupProfile: when it succeeds where
// lookupProfile failed, the fault is a length, and the message can say
// which label is too long.
var lengthlessProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(false),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
	idna.Transitional(false),
)

var displayProfile = idna.New(idna.MapForLookup(), idna.Transitional(false))

// Parse parses s as a domain name and returns its canonical form.
//
// Upper case ASCII is folded to lower case, one trailing dot is removed, and
// a name holding non-ASCII characters or A-labels ("xn--…") is converted and
// checked with UTS #46 (non-transitional, the lookup profile). The error, an
// [*Error], quotes s and says what is wrong.
func Parse(s string) (Name, error) {
	if n, ok := parseLDH(s); ok {
		return n, nil
	}
	return parseSlow(s)
}

// MustParse is like [Parse] but panics on error. It is meant for tests and
// package-level variables with hard-coded names.
func MustParse(s string) Name {
	n, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return n
}

// parseLDH is the fast path: plain ASCII letters-digits-hyphen labels, no
// A-labels. Whenever it cannot be sure it reports false and leaves the
// verdict, and the error message, to parseSlow.
func parseLDH(s string) (Name, bool) {
	t := strings.TrimSuffix(s, ".")
	if len(t) == 0 || len(t) > MaxNameLen {
		return Name{}, false
	}
	upper := false
	start := 0
	for i := 0; i <= len(t); i++ {
		if i < len(t) && t[i] != '.' {
			c := t[i]
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
			case 'A' <= c && c <= 'Z':
				upper = true
			default:
				return Name{}, false
			}
			continue
		}
		label := t[start:i]
		if len(label) == 0 || len(label) > MaxLabelLen ||
			label[0] == '-' || label[len(label)-1] == '-' ||
			(len(label) >= 4 && label[2] == '-' && label[3] == '-') {
			return Name{}, false
		}
		start = i + 1
	}
	if upper {
		t = strings.ToLower(t)
	}
	return fromCanonical(t), true
}

// parseSlow runs the full UTS #46 conversion and turns its failures into
// messages that name the label at fault.
func parseSlow(s string) (Name, error) {
	bad := func(msg, at string) (Name, error) {
		return Name{}, &Error{What: "name", Input: s, Msg: msg, At: at}
	}
	if s == "" {
		return bad("empty name", "")
	}
	if s == "." {
		return bad("the root is not a domain name", "")
	}
	if !utf8.ValidString(s) {
		// golang.org/x/net/idna reads invalid bytes as U+FFFD and, in
		// v0.62.0, converts them without an error.
		return bad("invalid UTF-8", "")
	}
	// Check the labels first, so that the common mistakes get a plain
	// message rather than the IDNA library's. Every check here refuses
	// only what lookupProfile refuses too: the verdict is its own.
	t := strings.TrimSuffix(s, ".")
	for label := range strings.SplitSeq(t, ".") {
		switch {
		case label == "":
			return bad("empty label", "")
		case strings.ContainsRune(label, '_'):
			return bad("underscore not allowed in a mail domain", label)
		case strings.ContainsRune(label, '*'):
			return bad("wildcard not allowed in a name", label)
		case strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-"):
			return bad("label starts or ends with a hyphen", label)
		}
		ascii := true
		for _, r := range label {
			if r >= 0x80 {
				ascii = false
			} else if !isLDH(byte(r)) {
				return bad("bad character "+quoteRune(r), label)
			}
		}
		// The next two checks hold only for ASCII labels: mapping can
		// change the length of other labels and where their hyphens
		// fall ("ſ--x" maps to "s--x", with "-x" in positions 3 and 4).
		if !ascii {
			continue
		}
		switch {
		case len(label) >= 4 && label[2:4] == "--" && !strings.EqualFold(label[:2], "xn"):
			return bad("hyphens in the third and fourth positions are reserved for A-labels (xn--)", label)
		case len(label) > MaxLabelLen:
			return bad("label longer than 63 octets", label)
		}
	}
	a, err := lookupProfile.ToASCII(s)
	if err != nil {
		// A length fault gets a message of its own; for any other fault
		// lengthlessProfile fails too.
		if b, err2 := lengthlessProfile.ToASCII(s); err2 == nil {
			if msg, at := lengthFault(strings.TrimSuffix(b, ".")); msg != "" {
				return bad(msg, at)
			}
		}
		return bad("not a valid internationalised name: "+strings.TrimPrefix(err.Error(), "idna: "), "")
	}
	a = strings.TrimSuffix(a, ".") // "example。" maps to "example."
	if msg, at := lengthFault(a); msg != "" {
		return bad(msg, at)
	}
	return fromCanonical(strings.ToLower(a)), nil
}

// lengthFault reports what is wrong with the lengths of a, a name in ASCII
// form without a trailing dot: an empty label, a label over 63 octets or
// a name over 253. It returns "" when nothing is.
func lengthFault(a string) (msg, at string) {
	if a == "" {
		return "empty name", ""
	}
	for label := range strings.SplitSeq(a, ".") {
		if label == "" {
			return "empty label", ""
		}
		if len(label) > MaxLabelLen {
			return "label longer than 63 octets", label
		}
	}
	if len(a) > MaxNameLen {
		return "name longer than 253 octets", ""
	}
	return "", ""
}

func isLDH(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.'
}

func quoteRune(r rune) string { return strconv.QuoteRune(r) }

// fromCanonical builds a Name from a string already in canonical form.
// name and key share one allocation.
func fromCanonical(name string) Name {
	// A strings.Builder hands over its buffer without copying: one
	// allocation in all.
	var b strings.Builder
	b.Grow(2*len(name) + 1)
	b.WriteString(name)
	end := len(name)
	for i := len(name) - 1; i >= -1; i-- {
		if i == -1 || name[i] == '.' {
			b.WriteString(name[i+1 : end])
			b.WriteByte('.')
			end = i
		}
	}
	all := b.String()
	return Name{name: all[:len(name)], key: all[len(name):]}
}

// String returns the name in canonical ASCII form, "" for the zero Name.
func (n Name) String() string { return n.name }

// IsValid reports whether n was produced by parsing (is not the zero Name).
func (n Name) IsValid() bool { return n.name != "" }

// Key returns n's labels in reverse order, each followed by a dot:
// "com.contoso.sales." for sales.contoso.com, "" for the zero Name. Keys
// of a name and its subdomains share a prefix that ends on a label
// boundary, which is what label-aware prefix indexes need.
func (n Name) Key() string { return n.key }

// Unicode returns n for display, with A-labels converted back to Unicode
// (U-labels). Labels that cannot be converted are returned unchanged.
func (n Name) Unicode() string {
	if !strings.Contains(n.name, "xn--") {
		return n.name
	}
	u, err := displayProfile.ToUnicode(n.name)
	if err != nil {
		return n.name
	}
	return u
}

// Parent returns the name one label up ("contoso.com" for
// "sales.contoso.com") and true, or the zero Name and false when n has a
// single label or is invalid. It does not allocate.
func (n Name) Parent() (Name, bool) {
	i := strings.IndexByte(n.name, '.')
	if i < 0 {
		return Name{}, false
	}
	return Name{name: n.name[i+1:], key: n.key[:len(n.key)-i-1]}, true
}

// FirstLabel returns the leftmost label of n ("sales" for
// "sales.contoso.com").
func (n Name) FirstLabel() string {
	if i := strings.IndexByte(n.name, '.'); i >= 0 {
		return n.name[:i]
	}
	return n.name
}

// NumLabels returns how many labels n has, 0 for the zero Name.
func (n Name) NumLabels() int {
	if n.name == "" {
		return 0
	}
	return strings.Count(n.name, ".") + 1
}

// IsSubdomainOf reports whether n lies strictly below parent, at any depth:
// "a.b.contoso.com" and "b.contoso.com" are subdomains of "contoso.com",
// "contoso.com" and "evilcontoso.com" are not.
func (n Name) IsSubdomainOf(parent Name) bool {
	return parent.IsValid() && len(n.key) > len(parent.key) && strings.HasPrefix(n.key, parent.key)
}

// IsChildOf reports whether n lies exactly one label below parent.
func (n Name) IsChildOf(parent Name) bool {
	p, ok := n.Parent()
	return ok && p == parent
}

// AppendText appends the canonical name to b (encoding.TextAppender).
func (n Name) AppendText(b []byte) ([]byte, error) { return append(b, n.name...), nil }

// MarshalText implements encoding.TextMarshaler. The zero Name marshals as
// the empty string.
func (n Name) MarshalText() ([]byte, error) { return []byte(n.name), nil }

// UnmarshalText implements encoding.TextUnmarshaler. An empty text gives
// the zero Name; anything else must parse.
func (n *Name) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*n = Name{}
		return nil
	}
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*n = p
	return nil
}
