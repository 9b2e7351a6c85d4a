package domain_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/domain"
)

type parsePatternTest struct {
	in       string
	kind     domain.PatternKind
	want     string // String() of the result
	wantErr  string
	sentinel error
}

var parsePatternTests = []parsePatternTest{
	// An exact domain.
	{in: "contoso.com", kind: domain.Exact, want: "contoso.com"},
	// Exact, canonicalised like a Name.
	{in: "Contoso.COM.", kind: domain.Exact, want: "contoso.com"},
	// An exact public suffix is allowed: it matches only itself.
	{in: "co.uk", kind: domain.Exact, want: "co.uk"},
	// A wildcard.
	{in: "*.contoso.com", kind: domain.Wildcard, want: "*.contoso.com"},
	// A wildcard, canonicalised.
	{in: "*.Contoso.COM.", kind: domain.Wildcard, want: "*.contoso.com"},
	// A wildcard over an IDN.
	{in: "*.Bücher.de", kind: domain.Wildcard, want: "*.xn--bcher-kva.de"},
	// A wildcard over a registrable domain under a multi-label suffix.
	{in: "*.contoso.co.uk", kind: domain.Wildcard, want: "*.contoso.co.uk"},
	// Any.
	{in: "*", kind: domain.Any, want: "*"},
	// A wildcard over a TLD.
	{in: "*.com", wantErr: `domain: bad pattern "*.com": com is a public suffix; a wildcard over it would match other organisations' domains`, sentinel: domain.ErrPublicSuffix},
	// Over a two-label ICANN suffix.
	{in: "*.co.uk", wantErr: `domain: bad pattern "*.co.uk": co.uk is a public suffix; a wildcard over it would match other organisations' domains`, sentinel: domain.ErrPublicSuffix},
	// Over a suffix from the PRIVATE section.
	{in: "*.github.io", wantErr: `domain: bad pattern "*.github.io": github.io is a public suffix; a wildcard over it would match other organisations' domains`, sentinel: domain.ErrPublicSuffix},
	// Spelt differently, same suffix.
	{in: "*.CO.UK.", wantErr: `domain: bad pattern "*.CO.UK.": co.uk is a public suffix; a wildcard over it would match other organisations' domains`, sentinel: domain.ErrPublicSuffix},
	// An IDN TLD (.рф).
	{in: "*.рф", wantErr: `domain: bad pattern "*.рф": xn--p1ai is a public suffix; a wildcard over it would match other organisations' domains`, sentinel: domain.ErrPublicSuffix},
	// An unlisted single label is a suffix by the implicit "*" rule.
	{in: "*.local", wantErr: `domain: bad pattern "*.local": local is a public suffix; a wildcard over it would match other organisations' domains`, sentinel: domain.ErrPublicSuffix},
	// Under a wildcard rule (*.ck): any x.ck is a suffix.
	{in: "*.foo.ck", wantErr: `domain: bad pattern "*.foo.ck": foo.ck is a public suffix; a wildcard over it would match other organisations' domains`, sentinel: domain.ErrPublicSuffix},
	// …except the exception rule !www.ck.
	{in: "*.www.ck", kind: domain.Wildcard, want: "*.www.ck"},
	// A partial wildcard, prefix.
	{in: "f*.contoso.com", wantErr: `domain: bad pattern "f*.contoso.com": partial wildcard f*: "*" must be the whole leftmost label`},
	// A partial wildcard, suffix.
	{in: "*b.contoso.com", wantErr: `domain: bad pattern "*b.contoso.com": partial wildcard *b: "*" must be the whole leftmost label`},
	// No dot after "*": a partial wildcard, not "*.contoso.com".
	{in: "*contoso.com", wantErr: `domain: bad pattern "*contoso.com": partial wildcard *contoso: "*" must be the whole leftmost label`},
	// A doubled star.
	{in: "**.contoso.com", wantErr: `domain: bad pattern "**.contoso.com": partial wildcard **: "*" must be the whole leftmost label`},
	// A partial wildcard in a lower label.
	{in: "mail.c*.com", wantErr: `domain: bad pattern "mail.c*.com": partial wildcard c*: "*" must be the whole leftmost label`},
	// An embedded wildcard label.
	{in: "a.*.contoso.com", wantErr: `domain: bad pattern "a.*.contoso.com": embedded wildcard: "*" is only allowed as the whole leftmost label`},
	// A wildcard as the rightmost label.
	{in: "contoso.*", wantErr: `domain: bad pattern "contoso.*": embedded wildcard: "*" is only allowed as the whole leftmost label`},
	// Two wildcard labels.
	{in: "*.*.contoso.com", wantErr: `domain: bad pattern "*.*.contoso.com": only one wildcard label is allowed, as the leftmost label`},
	// "*.*".
	{in: "*.*", wantErr: `domain: bad pattern "*.*": only one wildcard label is allowed, as the leftmost label`},
	// A wildcard over nothing.
	{in: "*.", wantErr: `domain: bad pattern "*.": empty name`},
	// The empty pattern.
	{in: "", wantErr: `domain: bad pattern "": empty name`},
	// The base must be a valid name; Parse's message and position are kept.
	{in: "*.contoso..com", wantErr: `domain: bad pattern "*.contoso..com": empty label`},
	// …with the label at fault.
	{in: "*._tcp.contoso.com", wantErr: `domain: bad pattern "*._tcp.contoso.com": underscore not allowed in a mail domain (at "_tcp")`},
	// A trailing dot on an exact pattern, then another.
	{in: "contoso.com..", wantErr: `domain: bad pattern "contoso.com..": empty label`},
}

func TestParsePattern(t *testing.T) {
	for _, tt := range parsePatternTests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := domain.ParsePattern(tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.False(t, p.IsValid())
				var e *domain.Error
				require.True(t, errors.As(err, &e))
				assert.Equal(t, "pattern", e.What)
				assert.Equal(t, tt.sentinel != nil, errors.Is(err, domain.ErrPublicSuffix), "errors.Is(err, ErrPublicSuffix)")
				return
			}
			require.NoError(t, err)
			assert.True(t, p.IsValid())
			assert.Equal(t, tt.kind, p.Kind())
			assert.Equal(t, tt.want, p.String())
			// String is canonical: it parses to the same Pattern.
			assert.Equal(t, p, domain.MustParsePattern(p.String()))
		})
	}
}

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// Exact matches itself …
		{"contoso.com", "contoso.com", true},
		// … in any spelling (names are canonical).
		{"contoso.com", "CONTOSO.com.", true},
		// … and nothing below it.
		{"contoso.com", "sales.contoso.com", false},
		// … nor above.
		{"sales.contoso.com", "contoso.com", false},
		// A wildcard matches its apex (Exchange semantics, not RFC 6125).
		{"*.contoso.com", "contoso.com", true},
		// … one label below.
		{"*.contoso.com", "sales.contoso.com", true},
		// … and any depth below.
		{"*.contoso.com", "a.b.contoso.com", true},
		// Label boundary: the base as a string suffix is no match.
		{"*.contoso.com", "evilcontoso.com", false},
		// … one letter longer.
		{"*.contoso.com", "xcontoso.com", false},
		// … with a hyphen.
		{"*.contoso.com", "evil-contoso.com", false},
		// The base in the middle of another name.
		{"*.contoso.com", "contoso.com.evil.example", false},
		// The base as a prefix.
		{"*.contoso.com", "contoso.community", false},
		// A parent of the base.
		{"*.sales.contoso.com", "contoso.com", false},
		// A sibling of the base.
		{"*.sales.contoso.com", "hr.contoso.com", false},
		// An exact pattern is label-aware too.
		{"contoso.com", "evilcontoso.com", false},
		// A wildcard over an IDN matches the Unicode spelling.
		{"*.bücher.de", "www.BÜCHER.de", true},
		// Any matches everything …
		{"*", "contoso.com", true},
		// … even a TLD.
		{"*", "com", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.name, func(t *testing.T) {
			p, n := domain.MustParsePattern(tt.pattern), domain.MustParse(tt.name)
			assert.Equal(t, tt.want, p.Match(n))
			assert.Equal(t, tt.want, refMatch(p.String(), n.String()), "reference disagrees with the table")
		})
	}
	// Nothing matches the zero Name; the zero Pattern matches nothing.
	for _, s := range []string{"contoso.com", "*.contoso.com", "*"} {
		assert.False(t, domain.MustParsePattern(s).Match(domain.Name{}), "%s matches the zero Name", s)
	}
	assert.False(t, domain.Pattern{}.Match(domain.MustParse("contoso.com")))
}

func TestPatternCovers(t *testing.T) {
	tests := []struct {
		p, q string
		want bool
	}{
		// Every pattern covers itself.
		{"contoso.com", "contoso.com", true},
		{"*.contoso.com", "*.contoso.com", true},
		{"*", "*", true},
		// A wildcard covers its apex …
		{"*.contoso.com", "contoso.com", true},
		// … a name below it …
		{"*.contoso.com", "sales.contoso.com", true},
		// … and a wildcard below it.
		{"*.contoso.com", "*.eu.contoso.com", true},
		// Exact never covers a wildcard, even on the same base.
		{"contoso.com", "*.contoso.com", false},
		// Exact does not cover another name.
		{"contoso.com", "sales.contoso.com", false},
		// A narrower wildcard does not cover a wider one.
		{"*.eu.contoso.com", "*.contoso.com", false},
		// Label boundary.
		{"*.contoso.com", "*.evilcontoso.com", false},
		// "*" covers everything …
		{"*", "*.contoso.com", true},
		{"*", "contoso.com", true},
		// … and only "*" covers "*".
		{"*.contoso.com", "*", false},
		{"contoso.com", "*", false},
	}
	for _, tt := range tests {
		t.Run(tt.p+" covers "+tt.q, func(t *testing.T) {
			assert.Equal(t, tt.want, domain.MustParsePattern(tt.p).Covers(domain.MustParsePattern(tt.q)))
		})
	}
	// The zero Pattern neither covers nor is covered.
	assert.False(t, domain.Pattern{}.Covers(domain.AnyPattern()))
	assert.False(t, domain.AnyPattern().Covers(domain.Pattern{}))
}

func TestPatternSpecificity(t *testing.T) {
	// From the least to the most specific.
	order := []string{"*", "*.com", "com", "*.contoso.com", "contoso.com", "*.sales.contoso.com", "sales.contoso.com", "a.sales.contoso.com"}
	for i := 1; i < len(order); i++ {
		// WildcardPattern: "*.com" is refused by ParsePattern.
		lo, hi := patternFrom(t, order[i-1]), patternFrom(t, order[i])
		assert.Less(t, lo.Specificity(), hi.Specificity(), "%s vs %s", order[i-1], order[i])
	}
	assert.Equal(t, 0, domain.AnyPattern().Specificity())
	assert.Equal(t, 4, domain.MustParsePattern("*.contoso.com").Specificity())
	assert.Equal(t, 5, domain.MustParsePattern("contoso.com").Specificity())
	// Unrelated patterns of the same shape and depth rank equal.
	assert.Equal(t, domain.MustParsePattern("contoso.com").Specificity(), domain.MustParsePattern("fabrikam.org").Specificity())
}

// patternFrom builds a pattern without the public-suffix check.
func patternFrom(t *testing.T, s string) domain.Pattern {
	t.Helper()
	if s == "*" {
		return domain.AnyPattern()
	}
	if base, ok := cutWildcard(s); ok {
		return domain.WildcardPattern(domain.MustParse(base))
	}
	return domain.ExactPattern(domain.MustParse(s))
}

func cutWildcard(s string) (string, bool) {
	if len(s) > 2 && s[:2] == "*." {
		return s[2:], true
	}
	return s, false
}

func TestPatternConstructors(t *testing.T) {
	n := domain.MustParse("contoso.com")
	assert.Equal(t, domain.MustParsePattern("contoso.com"), domain.ExactPattern(n))
	assert.Equal(t, domain.MustParsePattern("*.contoso.com"), domain.WildcardPattern(n))
	assert.Equal(t, domain.MustParsePattern("*"), domain.AnyPattern())
	// WildcardPattern does not check public suffixes.
	w := domain.WildcardPattern(domain.MustParse("com"))
	assert.Equal(t, "*.com", w.String())
	assert.True(t, w.Match(domain.MustParse("contoso.com")))
	// On the zero Name they give the zero Pattern.
	assert.False(t, domain.ExactPattern(domain.Name{}).IsValid())
	assert.False(t, domain.WildcardPattern(domain.Name{}).IsValid())
	// Base.
	assert.Equal(t, n, domain.MustParsePattern("*.contoso.com").Base())
	assert.Equal(t, n, domain.MustParsePattern("contoso.com").Base())
	assert.False(t, domain.AnyPattern().Base().IsValid())
	// MustParsePattern panics with ParsePattern's error.
	assert.PanicsWithError(t, `domain: bad pattern "a.*.com": embedded wildcard: "*" is only allowed as the whole leftmost label`,
		func() { domain.MustParsePattern("a.*.com") })
}

func TestZeroPattern(t *testing.T) {
	var p domain.Pattern
	assert.False(t, p.IsValid())
	assert.Equal(t, domain.PatternKind(0), p.Kind())
	assert.Equal(t, "", p.String())
	assert.Equal(t, "invalid", p.Kind().String())
	assert.Equal(t, 0, p.Specificity())
	assert.False(t, p.Base().IsValid())
}

func TestPatternKindString(t *testing.T) {
	assert.Equal(t, "exact", domain.Exact.String())
	assert.Equal(t, "wildcard", domain.Wildcard.String())
	assert.Equal(t, "any", domain.Any.String())
	assert.Equal(t, "invalid", domain.PatternKind(42).String())
}

func TestPatternText(t *testing.T) {
	type connector struct {
		RecipientDomains []domain.Pattern `json:"recipientDomains"`
	}
	var c connector
	require.NoError(t, json.Unmarshal([]byte(`{"recipientDomains":["Contoso.com","*.Fabrikam.com.","*"]}`), &c))
	assert.Equal(t, []domain.Pattern{
		domain.MustParsePattern("contoso.com"),
		domain.MustParsePattern("*.fabrikam.com"),
		domain.AnyPattern(),
	}, c.RecipientDomains)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"recipientDomains":["contoso.com","*.fabrikam.com","*"]}`, string(b))
	var back connector
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)

	// A public-suffix wildcard does not load, and says why.
	err = json.Unmarshal([]byte(`{"recipientDomains":["*.co.uk"]}`), &c)
	assert.ErrorIs(t, err, domain.ErrPublicSuffix)

	// Unlike Name, the empty text is not the zero Pattern: it is an error.
	var p domain.Pattern
	assert.EqualError(t, p.UnmarshalText(nil), `domain: bad pattern "": empty name`)
	b, err = domain.Pattern{}.MarshalText()
	require.NoError(t, err)
	assert.Empty(t, b)
}
