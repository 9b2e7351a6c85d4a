package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/domain"
)

var (
	local64 = strings.Repeat("l", 64)
	local65 = strings.Repeat("l", 65)
)

type addressTest struct {
	in       string
	want     string // canonical domain; "" when FromAddress must fail
	wantErr  string // exact error text
	sentinel error  // the sentinel the error must match, if any
}

var addressTests = []addressTest{
	// A bare mailbox.
	{in: "john@contoso.com", want: "contoso.com"},
	// In angle brackets, as in MAIL FROM:<…>.
	{in: "<john@contoso.com>", want: "contoso.com"},
	// The domain is canonicalised: case folded.
	{in: "<John@Contoso.COM>", want: "contoso.com"},
	// …and IDNs converted (RFC 6531 addresses).
	{in: "<δοκιμή@παράδειγμα.δοκιμή>", want: "xn--hxajbheg2az3al.xn--jxalpdlp"},
	// A quoted local part may hold "@".
	{in: `"a@b"@contoso.com`, want: "contoso.com"},
	// …also inside angle brackets.
	{in: `<"a@b"@contoso.com>`, want: "contoso.com"},
	// …and an escaped quote before the "@".
	{in: `"a\"@b"@contoso.com`, want: "contoso.com"},
	// …and spaces.
	{in: `"john doe"@contoso.com`, want: "contoso.com"},
	// Regression: the empty Quoted-string is valid RFC 5321 (isemail
	// addr-0043 ""@iana.org).
	{in: `""@contoso.com`, want: "contoso.com"},
	// A quoted local part must be closed.
	{in: `"john@contoso.com`, wantErr: `domain: bad address "\"john@contoso.com": unterminated quoted local part`},
	// Text after the closing quote.
	{in: `"john"doe@contoso.com`, wantErr: `domain: bad address "\"john\"doe@contoso.com": unexpected character after the local part (at "doe@contoso.com")`},
	// A backslash must escape a printable character.
	{in: "\"a\\\x00\"@contoso.com", wantErr: `domain: bad address "\"a\\\x00\"@contoso.com": bad escape in quoted local part`},
	// No control characters in quotes.
	{in: "\"a\x7f\"@contoso.com", wantErr: `domain: bad address "\"a\x7f\"@contoso.com": control character in quoted local part`},
	// UTF-8 is allowed in the local part (RFC 6531) …
	{in: "pelé@contoso.com", want: "contoso.com"},
	// …but not invalid UTF-8.
	{in: "p\xffe@contoso.com", wantErr: `domain: bad address "p\xffe@contoso.com": invalid UTF-8 in local part`},
	// Every atext character.
	{in: "!#$%&'*+-/=?^_`{|}~@contoso.com", want: "contoso.com"},
	// The null reverse-path.
	{in: "<>", wantErr: `domain: bad address "<>": null path has no domain`, sentinel: domain.ErrNullPath},
	// The empty string, as Postfix hands over a null sender.
	{in: "", wantErr: `domain: bad address "": null path has no domain`, sentinel: domain.ErrNullPath},
	// Postmaster without a domain (RCPT TO:<Postmaster>), any case.
	{in: "<Postmaster>", wantErr: `domain: bad address "<Postmaster>": postmaster without a domain`, sentinel: domain.ErrNoDomain},
	// …without brackets.
	{in: "postmaster", wantErr: `domain: bad address "postmaster": postmaster without a domain`, sentinel: domain.ErrNoDomain},
	// Regression: any other address without a domain is a syntax error,
	// not ErrNoDomain, which callers may take for the postmaster form.
	{in: "john", wantErr: `domain: bad address "john": missing '@' and domain`},
	// An IPv4 address literal is not a domain.
	{in: "john@[192.0.2.1]", wantErr: `domain: bad address "john@[192.0.2.1]": domain is an address literal (at "[192.0.2.1]")`, sentinel: domain.ErrAddressLiteral},
	// Nor is an IPv6 one.
	{in: "<john@[IPv6:2001:db8::1]>", wantErr: `domain: bad address "<john@[IPv6:2001:db8::1]>": domain is an address literal (at "[IPv6:2001:db8::1]")`, sentinel: domain.ErrAddressLiteral},
	// The tag is case-insensitive; "::" for two groups or more is fine.
	{in: "john@[ipv6:1:2:3:4:5::8]", wantErr: `domain: bad address "john@[ipv6:1:2:3:4:5::8]": domain is an address literal (at "[ipv6:1:2:3:4:5::8]")`, sentinel: domain.ErrAddressLiteral},
	// IPv6 with an IPv4 tail (IPv6v4-comp).
	{in: "john@[IPv6:::ffff:192.0.2.1]", wantErr: `domain: bad address "john@[IPv6:::ffff:192.0.2.1]": domain is an address literal (at "[IPv6:::ffff:192.0.2.1]")`, sentinel: domain.ErrAddressLiteral},
	// A malformed IPv4 literal is a syntax error, not ErrAddressLiteral.
	{in: "john@[192.0.2.256]", wantErr: `domain: bad address "john@[192.0.2.256]": bad IPv4 address literal (at "[192.0.2.256]")`},
	// Three octets.
	{in: "john@[192.0.2]", wantErr: `domain: bad address "john@[192.0.2]": bad IPv4 address literal (at "[192.0.2]")`},
	// Empty brackets.
	{in: "john@[]", wantErr: `domain: bad address "john@[]": bad IPv4 address literal (at "[]")`},
	// An IPv6 address needs the "IPv6:" tag.
	{in: "john@[2001:db8::1]", wantErr: `domain: bad address "john@[2001:db8::1]": address literal with unregistered tag "2001" (only IPv6 is registered) (at "[2001:db8::1]")`},
	// Regression: other tags are General-address-literals, which need a
	// tag registered with IANA; none but IPv6 is (isemail addr-0198).
	{in: "john@[IPv5:::1]", wantErr: `domain: bad address "john@[IPv5:::1]": address literal with unregistered tag "IPv5" (only IPv6 is registered) (at "[IPv5:::1]")`},
	// A bad hex digit.
	{in: "john@[IPv6:2001:db8::g]", wantErr: `domain: bad address "john@[IPv6:2001:db8::g]": bad IPv6 address literal (at "[IPv6:2001:db8::g]")`},
	// Regression: RFC 5321's "::" stands for at least two groups; seven
	// written groups and "::" is RFC 4291 only (isemail addr-0071).
	{in: "john@[IPv6:1:2:3:4:5:6::8]", wantErr: `domain: bad address "john@[IPv6:1:2:3:4:5:6::8]": bad IPv6 address literal (at "[IPv6:1:2:3:4:5:6::8]")`},
	// …and with an IPv4 tail, at most four groups beside "::".
	{in: "john@[IPv6:1:2:3:4:5::192.0.2.1]", wantErr: `domain: bad address "john@[IPv6:1:2:3:4:5::192.0.2.1]": bad IPv6 address literal (at "[IPv6:1:2:3:4:5::192.0.2.1]")`},
	// Zones are not part of an address literal.
	{in: "john@[IPv6:fe80::1%eth0]", wantErr: `domain: bad address "john@[IPv6:fe80::1%eth0]": bad IPv6 address literal (at "[IPv6:fe80::1%eth0]")`},
	// An IPv4 address behind the IPv6 tag.
	{in: "john@[IPv6:192.0.2.1]", wantErr: `domain: bad address "john@[IPv6:192.0.2.1]": bad IPv6 address literal (at "[IPv6:192.0.2.1]")`},
	// Unclosed.
	{in: "john@[192.0.2.1", wantErr: `domain: bad address "john@[192.0.2.1": address literal without closing ']' (at "[192.0.2.1")`},
	// A source route is ignored.
	{in: "<@relay.example:john@contoso.com>", want: "contoso.com"},
	// …with several hops.
	{in: "<@a.example,@b.example:john@contoso.com>", want: "contoso.com"},
	// …without brackets.
	{in: "@a.example:john@contoso.com", want: "contoso.com"},
	// …before a quoted local part holding ":" and "@".
	{in: `<@a.example:"x:y@z"@contoso.com>`, want: "contoso.com"},
	// A hop without its "@".
	{in: "<@a.example,b.example:john@contoso.com>", wantErr: `domain: bad address "<@a.example,b.example:john@contoso.com>": source route hop must start with '@' (at "b.example")`},
	// A hop that is no domain.
	{in: "<@a_b.example:john@contoso.com>", wantErr: `domain: bad address "<@a_b.example:john@contoso.com>": bad domain in source route (at "@a_b.example")`},
	// A hop with a trailing dot.
	{in: "<@a.example.:john@contoso.com>", wantErr: `domain: bad address "<@a.example.:john@contoso.com>": bad domain in source route (at "@a.example.")`},
	// An empty hop.
	{in: "<@:john@contoso.com>", wantErr: `domain: bad address "<@:john@contoso.com>": bad domain in source route (at "@")`},
	// No local part ("@" first, no route).
	{in: "@contoso.com", wantErr: `domain: bad address "@contoso.com": empty local part`},
	// An unclosed angle bracket.
	{in: "<john@contoso.com", wantErr: `domain: bad address "<john@contoso.com": missing closing '>'`},
	// An unopened one.
	{in: "john@contoso.com>", wantErr: `domain: bad address "john@contoso.com>": missing opening '<'`},
	// "<" alone.
	{in: "<", wantErr: `domain: bad address "<": missing closing '>'`},
	// Doubled brackets.
	{in: "<<john@contoso.com>>", wantErr: `domain: bad address "<<john@contoso.com>>": bad character '<' in local part (quote it)`},
	// A display name is header syntax, not a path.
	{in: "John <john@contoso.com>", wantErr: `domain: bad address "John <john@contoso.com>": missing opening '<'`},
	// ESMTP parameters are not part of the path.
	{in: "john@contoso.com SIZE=100", wantErr: `domain: bad address "john@contoso.com SIZE=100": bad domain: bad character ' ' (at "com SIZE=100")`},
	// One trailing dot is the same name without it, as in Parse and as
	// Postfix has it (issue 12).
	{in: "john@contoso.com.", want: "contoso.com"},
	{in: "<John@Contoso.COM.>", want: "contoso.com"},
	// Two trailing dots.
	{in: "john@contoso.com..", wantErr: `domain: bad address "john@contoso.com..": more than one trailing dot in the domain (at "contoso.com..")`},
	// The root alone is no domain.
	{in: "john@.", wantErr: `domain: bad address "john@.": bad domain: the root is not a domain name (at ".")`},
	// No domain after "@".
	{in: "john@", wantErr: `domain: bad address "john@": empty domain`},
	// Two "@" outside quotes.
	{in: "john@doe@contoso.com", wantErr: `domain: bad address "john@doe@contoso.com": bad domain: bad character '@' (at "doe@contoso")`},
	// A bad domain says why.
	{in: "john@_dmarc.contoso.com", wantErr: `domain: bad address "john@_dmarc.contoso.com": bad domain: underscore not allowed in a mail domain (at "_dmarc")`},
	// A leading dot in the local part.
	{in: ".john@contoso.com", wantErr: `domain: bad address ".john@contoso.com": empty atom in local part (leading or double dot)`},
	// A double dot.
	{in: "jo..hn@contoso.com", wantErr: `domain: bad address "jo..hn@contoso.com": empty atom in local part (leading or double dot)`},
	// A trailing dot in the local part.
	{in: "john.@contoso.com", wantErr: `domain: bad address "john.@contoso.com": local part ends with a dot`},
	// A space outside quotes.
	{in: "john doe@contoso.com", wantErr: `domain: bad address "john doe@contoso.com": bad character ' ' in local part (quote it)`},
	// A backslash outside quotes (RFC 5321 atext has none).
	{in: `\.john@contoso.com`, wantErr: `domain: bad address "\\.john@contoso.com": bad character '\\' in local part (quote it)`},
	// The longest local part, 64 octets.
	{in: local64 + "@contoso.com", want: "contoso.com"},
	// 65 octets.
	{in: local65 + "@contoso.com", wantErr: `domain: bad address "` + local65 + `@contoso.com": local part longer than 64 octets (at "` + local65 + `")`},
	// A quoted local part counts its quotes: 62 + 2 = 64 …
	{in: `"` + local64[:62] + `"@contoso.com`, want: "contoso.com"},
	// … 63 + 2 = 65.
	{in: `"` + local64[:63] + `"@contoso.com`, wantErr: `domain: bad address "\"` + local64[:63] + `\"@contoso.com": local part longer than 64 octets (at "\"` + local64[:63] + `\"")`},
	// The longest path is 256 octets, brackets included.
	{in: "<" + local64 + "@" + name253[:189] + ">", want: name253[:189]},
	// One more.
	{in: "<" + local64 + "@" + name253[:189] + "b>", wantErr: `domain: bad address "<` + local64 + "@" + name253[:189] + `b>": longer than 256 octets`},
}

func TestFromAddress(t *testing.T) {
	for _, tt := range addressTests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := domain.FromAddress(tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.False(t, n.IsValid())
				var e *domain.Error
				require.True(t, errors.As(err, &e))
				assert.Equal(t, "address", e.What)
				for _, s := range []error{domain.ErrNullPath, domain.ErrNoDomain, domain.ErrAddressLiteral, domain.ErrPublicSuffix} {
					assert.Equal(t, s == tt.sentinel, errors.Is(err, s), "errors.Is(err, %v)", s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, n.String())
			assert.Equal(t, domain.MustParse(tt.want), n)
		})
	}
}

func TestParseMailbox(t *testing.T) {
	tests := []struct {
		in, local, domain, str string
	}{
		// The local part keeps its case.
		{"<John.Doe@Contoso.COM>", "John.Doe", "contoso.com", "John.Doe@contoso.com"},
		// …and its quotes and escapes, to be written back unchanged.
		{`<"john \"jd\" doe"@contoso.com>`, `"john \"jd\" doe"`, "contoso.com", `"john \"jd\" doe"@contoso.com`},
		// The source route is dropped.
		{"<@relay.example:john@bücher.de>", "john", "xn--bcher-kva.de", "john@xn--bcher-kva.de"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := domain.ParseMailbox(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.local, m.Local)
			assert.Equal(t, domain.MustParse(tt.domain), m.Domain)
			assert.Equal(t, tt.str, m.String())
		})
	}
	// Errors are FromAddress's.
	_, err := domain.ParseMailbox("<>")
	assert.ErrorIs(t, err, domain.ErrNullPath)
	m, err := domain.ParseMailbox("john@[192.0.2.1]")
	assert.ErrorIs(t, err, domain.ErrAddressLiteral)
	assert.Equal(t, domain.Mailbox{}, m)
}
