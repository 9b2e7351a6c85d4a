package domain_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/domain"
)

// Names at the length limits. label63 is the longest label; name253 the
// longest name: three labels of 63 and one of 61, with three dots.
var (
	label63 = strings.Repeat("a", 63)
	label64 = strings.Repeat("a", 64)
	prefix  = label63 + "." + label63 + "." + label63 + "." // 192 octets
	name253 = prefix + strings.Repeat("b", 61)
	name254 = prefix + strings.Repeat("b", 62)
	// 249 octets as written; its last label becomes the 63-octet A-label
	// "xn--" + 55 b + "-…", so the name is 255 octets long.
	name255IDN = prefix + "ü" + strings.Repeat("b", 55)
)

type parseTest struct {
	in      string
	want    string // canonical form; "" when Parse must fail
	wantErr string // exact error text
}

var parseTests = []parseTest{
	// Already canonical: the fast path.
	{in: "contoso.com", want: "contoso.com"},
	// A single label is a name (a TLD).
	{in: "com", want: "com"},
	// Digits and inner hyphens are letters-digits-hyphen.
	{in: "3com.sub-domain.example", want: "3com.sub-domain.example"},
	// Upper case ASCII is folded.
	{in: "Contoso.COM", want: "contoso.com"},
	// One trailing dot (the root) is removed.
	{in: "Contoso.COM.", want: "contoso.com"},
	// Two trailing dots leave an empty label.
	{in: "contoso.com..", wantErr: `domain: bad name "contoso.com..": empty label`},
	// A leading dot is an empty label.
	{in: ".contoso.com", wantErr: `domain: bad name ".contoso.com": empty label`},
	// So is a double dot inside.
	{in: "a..contoso.com", wantErr: `domain: bad name "a..contoso.com": empty label`},
	// The empty string is no name.
	{in: "", wantErr: `domain: bad name "": empty name`},
	// Nor is the root alone.
	{in: ".", wantErr: `domain: bad name ".": the root is not a domain name`},
	// Nor two roots.
	{in: "..", wantErr: `domain: bad name "..": empty label`},
	// IDN: a U-label becomes its A-label.
	{in: "bücher.de", want: "xn--bcher-kva.de"},
	// Upper case Unicode is folded by the UTS #46 mapping.
	{in: "BÜCHER.DE", want: "xn--bcher-kva.de"},
	// The A-label input gives the same Name.
	{in: "xn--bcher-kva.de", want: "xn--bcher-kva.de"},
	// An A-label in upper case, with a trailing dot.
	{in: "XN--BCHER-KVA.De.", want: "xn--bcher-kva.de"},
	// The ideographic full stop separates labels too.
	{in: "bücher。de", want: "xn--bcher-kva.de"},
	// …and may be the trailing root.
	{in: "contoso。", want: "contoso"},
	// Non-transitional processing keeps ß (IdnaTestV2 header).
	{in: "Faß.de", want: "xn--fa-hia.de"},
	// An emoji is valid under UTS #46 (IdnaTestV2 ☕).
	{in: "☕.example", want: "xn--53h.example"},
	// A Greek name in capitals, final sigma handled by the mapping.
	{in: "ΒΌΛΟΣ.COM", want: "xn--nxasmq6b.com"},
	// Regression: the pre-check looked for "--" at byte offsets 2-3 of
	// every label, before mapping. "ſ" (2 octets) maps to "s", giving
	// "s--x", whose positions 3-4 are "-x": UTS #46 accepts it.
	{in: "ſ--x.de", want: "s--x.de"},
	// golang.org/x/net/idna v0.62.0 tests positions 3-4 on octets too, so
	// it refuses "ü--x" (characters 3-4 are "-x"; UTS #46 would accept).
	// Parse takes its verdict; the refusal is the conservative side.
	{in: "ü--x.de", wantErr: `domain: bad name "ü--x.de": not a valid internationalised name: invalid label "ü--x"`},
	// The longest label, 63 octets.
	{in: label63 + ".com", want: label63 + ".com"},
	// One octet more.
	{in: label64 + ".com", wantErr: `domain: bad name "` + label64 + `.com": label longer than 63 octets (at "` + label64 + `")`},
	// A U-label whose A-label is 67 octets: the message names the A-label.
	{in: strings.Repeat("a", 59) + "ü.de", wantErr: `domain: bad name "` + strings.Repeat("a", 59) + `ü.de": label longer than 63 octets (at "xn--` + strings.Repeat("a", 59) + `-jeg")`},
	// The longest name, 253 octets.
	{in: name253, want: name253},
	// 253 octets and the root's dot.
	{in: name253 + ".", want: name253},
	// 254 octets.
	{in: name254, wantErr: `domain: bad name "` + name254 + `": name longer than 253 octets`},
	// Short enough as written, 255 octets once converted to A-labels.
	{in: name255IDN, wantErr: `domain: bad name "` + name255IDN + `": name longer than 253 octets`},
	// The underscore is refused: DNS records, not mail domains.
	{in: "_dmarc.contoso.com", wantErr: `domain: bad name "_dmarc.contoso.com": underscore not allowed in a mail domain (at "_dmarc")`},
	// …anywhere in a label.
	{in: "mail_1.contoso.com", wantErr: `domain: bad name "mail_1.contoso.com": underscore not allowed in a mail domain (at "mail_1")`},
	// A leading hyphen.
	{in: "-contoso.com", wantErr: `domain: bad name "-contoso.com": label starts or ends with a hyphen (at "-contoso")`},
	// A trailing hyphen.
	{in: "contoso-.com", wantErr: `domain: bad name "contoso-.com": label starts or ends with a hyphen (at "contoso-")`},
	// A label that is only a hyphen.
	{in: "a.-.com", wantErr: `domain: bad name "a.-.com": label starts or ends with a hyphen (at "-")`},
	// "--" in positions 3-4 is reserved for A-labels.
	{in: "ab--cd.com", wantErr: `domain: bad name "ab--cd.com": hyphens in the third and fourth positions are reserved for A-labels (xn--) (at "ab--cd")`},
	// "--" elsewhere is fine.
	{in: "a--b.com", want: "a--b.com"},
	// "xn--" must be followed by valid Punycode.
	{in: "xn--a.com", wantErr: `domain: bad name "xn--a.com": not a valid internationalised name: invalid label "\u0080"`},
	// …that decodes to a label which is not already plain ASCII.
	{in: "xn--acom-0w1b", wantErr: `domain: bad name "xn--acom-0w1b": not a valid internationalised name: invalid label "a⒈com"`},
	// An A-label for U+FFFD, which UTS #46 disallows.
	{in: "xn--zn7c.com", wantErr: `domain: bad name "xn--zn7c.com": not a valid internationalised name: invalid label "�"`},
	// "xn--" alone ends with a hyphen.
	{in: "xn--.com", wantErr: `domain: bad name "xn--.com": label starts or ends with a hyphen (at "xn--")`},
	// A wildcard is a pattern, not a name.
	{in: "*.contoso.com", wantErr: `domain: bad name "*.contoso.com": wildcard not allowed in a name (at "*")`},
	// A space.
	{in: "contoso com", wantErr: `domain: bad name "contoso com": bad character ' ' (at "contoso com")`},
	// A URL is not a name.
	{in: "https://contoso.com", wantErr: `domain: bad name "https://contoso.com": bad character ':' (at "https://contoso")`},
	// An address is not a name.
	{in: "john@contoso.com", wantErr: `domain: bad name "john@contoso.com": bad character '@' (at "john@contoso")`},
	// An address literal is not a name.
	{in: "[192.0.2.1]", wantErr: `domain: bad name "[192.0.2.1]": bad character '[' (at "[192")`},
	// A NUL byte.
	{in: "contoso.com\x00", wantErr: `domain: bad name "contoso.com\x00": bad character '\x00' (at "com\x00")`},
	// A zero-width non-joiner outside its context (CheckJoiners, C1).
	{in: "a\u200cb.com", wantErr: `domain: bad name "a\u200cb.com": not a valid internationalised name: invalid label "a\u200cb"`},
	// Mixed right-to-left and left-to-right (CheckBidi; x/net quotes the
	// whole name).
	{in: "àא.com", wantErr: `domain: bad name "àא.com": not a valid internationalised name: invalid label "àא.com"`},
	// A fullwidth underscore is disallowed by the STD3 rules.
	{in: "a＿b.com", wantErr: `domain: bad name "a＿b.com": not a valid internationalised name: disallowed rune U+FF3F`},
	// Regression: invalid UTF-8. golang.org/x/net/idna v0.62.0 converted
	// "\xff.com" to xn--zn7c.com (U+FFFD) without an error.
	{in: "\xff.com", wantErr: `domain: bad name "\xff.com": invalid UTF-8`},
	// A truncated multi-byte sequence.
	{in: "b\xc3.com", wantErr: `domain: bad name "b\xc3.com": invalid UTF-8`},
	// U+FFFD itself is disallowed.
	{in: "\ufffd.com", wantErr: "domain: bad name \"\ufffd.com\": not a valid internationalised name: disallowed rune U+FFFD"},
	// A soft hyphen maps to nothing, leaving an empty label (IdnaTestV2).
	{in: "ä.\u00ad.c", wantErr: `domain: bad name "ä.\u00ad.c": empty label`},
	// A dotted quad is syntactically a domain name (RFC 5321 sub-domains
	// may be all digits); it is accepted, see the design notes.
	{in: "192.0.2.1", want: "192.0.2.1"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := domain.Parse(tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.False(t, n.IsValid(), "a failed Parse returns the zero Name")
				var e *domain.Error
				require.True(t, errors.As(err, &e), "error is a *domain.Error")
				assert.Equal(t, "name", e.What)
				assert.Equal(t, tt.in, e.Input)
				assert.Nil(t, errors.Unwrap(err), "a name error wraps no sentinel")
				return
			}
			require.NoError(t, err)
			assert.True(t, n.IsValid())
			assert.Equal(t, tt.want, n.String())
			// Canonical names parse to themselves, equal with ==.
			again, err := domain.Parse(n.String())
			require.NoError(t, err)
			assert.True(t, again == n, "Parse(%q) != Parse(%q)", n.String(), tt.in)
		})
	}
}

// Equal names are == and the same map key, whatever their spelling.
func TestNameEquality(t *testing.T) {
	spellings := []string{"bücher.de", "BÜCHER.DE.", "xn--bcher-kva.de", "XN--BCHER-KVA.DE", "bücher。de"}
	seen := map[domain.Name]int{}
	for _, s := range spellings {
		seen[domain.MustParse(s)]++
	}
	assert.Equal(t, map[domain.Name]int{domain.MustParse("xn--bcher-kva.de"): len(spellings)}, seen)
	assert.NotEqual(t, domain.MustParse("contoso.com"), domain.MustParse("contoso.co"))
}

func TestMustParse(t *testing.T) {
	assert.Equal(t, "contoso.com", domain.MustParse("Contoso.com").String())
	assert.PanicsWithError(t, `domain: bad name "a..b": empty label`, func() { domain.MustParse("a..b") })
}

func TestZeroName(t *testing.T) {
	var n domain.Name
	assert.False(t, n.IsValid())
	assert.Equal(t, "", n.String())
	assert.Equal(t, "", n.Key())
	assert.Equal(t, "", n.Unicode())
	assert.Equal(t, "", n.FirstLabel())
	assert.Equal(t, 0, n.NumLabels())
	_, ok := n.Parent()
	assert.False(t, ok)
	// The zero Name lies below nothing, and nothing lies below it.
	assert.False(t, n.IsSubdomainOf(domain.MustParse("com")))
	assert.False(t, domain.MustParse("com").IsSubdomainOf(n))
	assert.False(t, domain.MustParse("com").IsChildOf(n))
	assert.False(t, n.IsChildOf(n))
	b, err := n.MarshalText()
	require.NoError(t, err)
	assert.Empty(t, b)
}

func TestParent(t *testing.T) {
	tests := []struct {
		in, want string // want "" means no parent
	}{
		// One label up.
		{"sales.contoso.com", "contoso.com"},
		// Up from a two-label name.
		{"contoso.com", "com"},
		// A single label has no parent (the root is not a Name).
		{"com", ""},
		// Parent works on A-labels like any label.
		{"www.xn--bcher-kva.de", "xn--bcher-kva.de"},
		// Deep names.
		{"a.b.c.d.e", "b.c.d.e"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, ok := domain.MustParse(tt.in).Parent()
			if tt.want == "" {
				assert.False(t, ok)
				assert.False(t, p.IsValid())
				return
			}
			require.True(t, ok)
			// A parent made by slicing equals the parsed parent in every
			// field, key included.
			want := domain.MustParse(tt.want)
			assert.True(t, p == want, "Parent(%s) = %s (key %q), want %s (key %q)", tt.in, p, p.Key(), want, want.Key())
		})
	}
}

func TestNameRelations(t *testing.T) {
	tests := []struct {
		n, parent     string
		subdomain     bool // n.IsSubdomainOf(parent)
		child         bool // n.IsChildOf(parent)
		parentOfOther bool // parent.IsSubdomainOf(n)
	}{
		// Directly below.
		{"sales.contoso.com", "contoso.com", true, true, false},
		// Two labels below: a subdomain, not a child.
		{"a.b.contoso.com", "contoso.com", true, false, false},
		// A name is not its own subdomain.
		{"contoso.com", "contoso.com", false, false, false},
		// Label boundary: a suffix of the string is not a parent.
		{"evilcontoso.com", "contoso.com", false, false, false},
		// Label boundary, the other way round: "xcontoso.com".
		{"xcontoso.com", "contoso.com", false, false, false},
		// A name that contains the parent in the middle.
		{"contoso.com.evil.example", "contoso.com", false, false, false},
		// Below a TLD.
		{"contoso.com", "com", true, true, false},
		// Reversed.
		{"contoso.com", "sales.contoso.com", false, false, true},
		// Siblings.
		{"sales.contoso.com", "hr.contoso.com", false, false, false},
		// Key prefix trap: "com.contoso.a." vs "com.contoso.ab.".
		{"ab.contoso.com", "a.contoso.com", false, false, false},
		// Hyphen sorts before dot: "a-a.com" is unrelated to "a.com".
		{"a-a.com", "a.com", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.n+" vs "+tt.parent, func(t *testing.T) {
			n, p := domain.MustParse(tt.n), domain.MustParse(tt.parent)
			assert.Equal(t, tt.subdomain, n.IsSubdomainOf(p), "IsSubdomainOf")
			assert.Equal(t, tt.child, n.IsChildOf(p), "IsChildOf")
			assert.Equal(t, tt.parentOfOther, p.IsSubdomainOf(n), "reverse IsSubdomainOf")
		})
	}
}

func TestNameAccessors(t *testing.T) {
	tests := []struct {
		in         string
		labels     int
		key, first string
		unicode    string
	}{
		// Plain ASCII.
		{"sales.contoso.com", 3, "com.contoso.sales.", "sales", "sales.contoso.com"},
		// One label.
		{"com", 1, "com.", "com", "com"},
		// An IDN: Key and FirstLabel use A-labels, Unicode shows U-labels.
		{"www.bücher.de", 3, "de.xn--bcher-kva.www.", "www", "www.bücher.de"},
		// Unicode of an A-label input.
		{"xn--53h.example", 2, "example.xn--53h.", "xn--53h", "☕.example"},
		// Greek (final sigma kept in the U-label).
		{"xn--nxasmm1c.gr", 2, "gr.xn--nxasmm1c.", "xn--nxasmm1c", "βόλος.gr"},
		// Many labels.
		{"a.b.c.d.e.f", 6, "f.e.d.c.b.a.", "a", "a.b.c.d.e.f"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n := domain.MustParse(tt.in)
			assert.Equal(t, tt.labels, n.NumLabels(), "NumLabels")
			assert.Equal(t, tt.key, n.Key(), "Key")
			assert.Equal(t, tt.first, n.FirstLabel(), "FirstLabel")
			assert.Equal(t, tt.unicode, n.Unicode(), "Unicode")
			// The Unicode form parses back to the same Name.
			assert.Equal(t, n, domain.MustParse(n.Unicode()))
		})
	}
}

// A label that is a valid A-label for Parse but that the display profile
// cannot convert is shown unchanged. There is no such label (Parse is the
// stricter), so this checks the plain path: no xn-- means no conversion.
func TestUnicodeASCII(t *testing.T) {
	n := domain.MustParse("xn-a.example") // "xn-" but not "xn--"
	assert.Equal(t, "xn-a.example", n.Unicode())
}

func TestNameText(t *testing.T) {
	type record struct {
		Domain domain.Name  `json:"domain"`
		Other  *domain.Name `json:"other,omitempty"`
	}
	// Round trip through JSON: canonical on the way out.
	var r record
	require.NoError(t, json.Unmarshal([]byte(`{"domain":"Bücher.DE."}`), &r))
	assert.Equal(t, domain.MustParse("xn--bcher-kva.de"), r.Domain)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"domain":"xn--bcher-kva.de"}`, string(b))
	var back record
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back)

	// The empty text is the zero Name, both ways.
	var z record
	require.NoError(t, json.Unmarshal([]byte(`{"domain":""}`), &z))
	assert.False(t, z.Domain.IsValid())
	b, err = json.Marshal(z)
	require.NoError(t, err)
	assert.JSONEq(t, `{"domain":""}`, string(b))

	// Bad text is refused with Parse's error.
	err = json.Unmarshal([]byte(`{"domain":"a..b"}`), &r)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `domain: bad name "a..b": empty label`)

	// UnmarshalText of bad text leaves the Name as it was.
	n := domain.MustParse("contoso.com")
	require.EqualError(t, n.UnmarshalText([]byte("-x")), `domain: bad name "-x": label starts or ends with a hyphen (at "-x")`)
	assert.Equal(t, domain.MustParse("contoso.com"), n)

	// AppendText appends.
	out, err := domain.MustParse("Contoso.com").AppendText([]byte("host="))
	require.NoError(t, err)
	assert.Equal(t, "host=contoso.com", string(out))
}
