package domain

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of RFC 5321 §4.5.3.1.
const (
	MaxLocalPartLen = 64
	MaxPathLen      = 256
)

// Mailbox is an envelope address split into its local part and domain.
type Mailbox struct {
	// Local is the local part as written, quotes and escapes included
	// ("\"john doe\"" stays quoted), so that it can be written back into
	// an SMTP command unchanged.
	Local string
	// Domain is the canonical domain.
	Domain Name
}

// String returns local@domain.
func (m Mailbox) String() string { return m.Local + "@" + m.Domain.String() }

// FromAddress returns the domain of an SMTP envelope address, with or
// without angle brackets: "john@Contoso.com", "<john@contoso.com>",
// "<@relay.example:john@contoso.com>" (the source route is ignored) and
// "<\"a@b\"@contoso.com>" all give contoso.com.
//
// The null path "<>", and the empty string (how Postfix and others hand
// over a null sender), give an error matching [ErrNullPath]; an address
// literal ("john@[192.0.2.1]") one matching [ErrAddressLiteral]; a bare
// "postmaster" one matching [ErrNoDomain]. Other malformed addresses get
// an [*Error] saying what is wrong. One trailing dot in the domain
// ("john@contoso.com.") is the same name without it, as Postfix has it.
func FromAddress(addr string) (Name, error) {
	m, err := ParseMailbox(addr)
	return m.Domain, err
}

// ParseMailbox parses an envelope address as RFC 5321 §4.1.2 defines a
// Path or Mailbox (with the UTF-8 extension of RFC 6531): an optional pair
// of angle brackets, an optional obsolete source route, a local part that
// is a dot-string or a quoted string, "@", and a domain. The rules for
// errors are those of [FromAddress].
func ParseMailbox(addr string) (Mailbox, error) {
	bad := func(msg, at string, sentinel error) (Mailbox, error) {
		return Mailbox{}, &Error{What: "address", Input: addr, Msg: msg, At: at, Err: sentinel}
	}
	s := addr
	if len(s) > MaxPathLen {
		return bad("longer than 256 octets", "", nil)
	}
	if strings.HasPrefix(s, "<") {
		if !strings.HasSuffix(s, ">") || len(s) == 1 {
			return bad("missing closing '>'", "", nil)
		}
		s = s[1 : len(s)-1]
	} else if strings.HasSuffix(s, ">") {
		return bad("missing opening '<'", "", nil)
	}
	if s == "" {
		return bad("null path has no domain", "", ErrNullPath)
	}
	if s[0] == '@' { // obsolete source route: @a,@b:mailbox
		colon := strings.IndexByte(s, ':')
		if colon < 0 { // "@contoso.com": more likely no local part than a broken route
			return bad("empty local part", "", nil)
		}
		for hop := range strings.SplitSeq(s[:colon], ",") {
			if !strings.HasPrefix(hop, "@") {
				return bad("source route hop must start with '@'", hop, nil)
			}
			if _, err := Parse(hop[1:]); err != nil || strings.HasSuffix(hop, ".") {
				return bad("bad domain in source route", hop, nil)
			}
		}
		s = s[colon+1:]
	}
	n, msg := localPartLen(s)
	if msg != "" {
		return bad(msg, "", nil)
	}
	local, rest := s[:n], s[n:]
	if rest == "" {
		// RFC 5321 §4.1.1.3 allows a domain-less address for postmaster
		// only; anything else is a plain syntax error.
		if strings.EqualFold(local, "postmaster") {
			return bad("postmaster without a domain", "", ErrNoDomain)
		}
		return bad("missing '@' and domain", "", nil)
	}
	if rest[0] != '@' {
		return bad("unexpected character after the local part", rest, nil)
	}
	if len(local) > MaxLocalPartLen {
		return bad("local part longer than 64 octets", local, nil)
	}
	dom := rest[1:]
	switch {
	case dom == "":
		return bad("empty domain", "", nil)
	case dom[0] == '[':
		if msg := checkAddressLiteral(dom); msg != "" {
			return bad(msg, dom, nil)
		}
		return bad("domain is an address literal", dom, ErrAddressLiteral)
	case strings.HasSuffix(dom, ".."):
		return bad("more than one trailing dot in the domain", dom, nil)
	}
	// One trailing dot is the same name without it (Parse removes it), as
	// Postfix takes user@contoso.com. for user@contoso.com.
	d, err := Parse(dom)
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*Error); ok {
			msg = e.Msg
			if e.At != "" {
				dom = e.At
			}
		}
		return bad("bad domain: "+msg, dom, nil)
	}
	return Mailbox{Local: local, Domain: d}, nil
}

// localPartLen returns the length of the local part at the start of s
// (a Dot-string or a Quoted-string), or a message saying what is wrong.
func localPartLen(s string) (int, string) {
	if s == "" || s[0] == '@' {
		return 0, "empty local part"
	}
	if s[0] == '"' {
		for i := 1; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == '"': // "" is a valid, empty Quoted-string
				return i + 1, ""
			case r == '\\':
				if i+1 >= len(s) || s[i+1] < 32 || s[i+1] > 126 {
					return 0, "bad escape in quoted local part"
				}
				i += 2
				continue
			case r == utf8.RuneError && size == 1:
				return 0, "invalid UTF-8 in local part"
			case r < 32 || r == 127:
				return 0, "control character in quoted local part"
			}
			i += size
		}
		return 0, "unterminated quoted local part"
	}
	prevDot := true // a leading dot is as bad as two dots in a row
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '@':
			if prevDot {
				return 0, "local part ends with a dot"
			}
			return i, ""
		case r == '.':
			if prevDot {
				return 0, "empty atom in local part (leading or double dot)"
			}
			prevDot = true
		case r == utf8.RuneError && size == 1:
			return 0, "invalid UTF-8 in local part"
		case r >= 0x80 || isAtext(byte(r)):
			prevDot = false
		default:
			return 0, "bad character " + quoteRune(r) + " in local part (quote it)"
		}
		i += size
	}
	if prevDot {
		return 0, "local part ends with a dot"
	}
	return len(s), ""
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// checkAddressLiteral checks "[…]" per RFC 5321 §4.1.3 and returns a
// message when it is malformed. Only IPv4 and "IPv6:" literals are
// accepted: a General-address-literal needs a tag registered with IANA,
// and "IPv6" is the only one there is.
func checkAddressLiteral(lit string) string {
	if !strings.HasSuffix(lit, "]") {
		return "address literal without closing ']'"
	}
	inner := lit[1 : len(lit)-1]
	if v6, ok := cutPrefixFold(inner, "IPv6:"); ok {
		if a, err := netip.ParseAddr(v6); err != nil || !a.Is6() || a.Zone() != "" || !rfc5321Compressed(v6) {
			return "bad IPv6 address literal"
		}
		return ""
	}
	if tag, _, ok := strings.Cut(inner, ":"); ok {
		return "address literal with unregistered tag " + strconv.Quote(tag) + " (only IPv6 is registered)"
	}
	if a, err := netip.ParseAddr(inner); err != nil || !a.Is4() {
		return "bad IPv4 address literal"
	}
	return ""
}

// rfc5321Compressed reports whether a, an IPv6 address netip accepts, also
// keeps RFC 5321's stricter rule for "::", which "represents at least 2
// 16-bit groups of zeros": beside it, at most 6 groups may be written, or 4
// and an IPv4 address. RFC 4291 lets "::" stand for a single group.
func rfc5321Compressed(a string) bool {
	if !strings.Contains(a, "::") {
		return true
	}
	groups := 0
	for g := range strings.SplitSeq(a, ":") {
		switch {
		case g == "":
		case strings.Contains(g, "."):
			groups += 2 // an IPv4 address fills two groups
		default:
			groups++
		}
	}
	return groups <= 6
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
