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

func TestAcceptedDomainValidate(t *testing.T) {
	tests := []struct {
		name     string
		a        domain.AcceptedDomain
		wantErr  string
		sentinel error
	}{
		{
			name: "authoritative, the default",
			a:    domain.AcceptedDomain{Name: domain.MustParse("contoso.com")},
		},
		{
			name: "internal relay",
			a:    domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.InternalRelay},
		},
		{
			name: "internal relay matching subdomains",
			a:    domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.InternalRelay, MatchSubDomains: true},
		},
		{
			name:    "MatchSubDomains needs InternalRelay",
			a:       domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.Authoritative, MatchSubDomains: true},
			wantErr: `domain: bad accepted domain "contoso.com": MatchSubDomains needs DomainType InternalRelay`,
		},
		{
			name:    "ExternalRelay is on-premises only",
			a:       domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.ExternalRelay},
			wantErr: `domain: bad accepted domain "contoso.com": DomainType ExternalRelay exists only in on-premises Exchange`,
		},
		{
			name:    "ExternalRelay with MatchSubDomains: the type is reported first",
			a:       domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.ExternalRelay, MatchSubDomains: true},
			wantErr: `domain: bad accepted domain "contoso.com": DomainType ExternalRelay exists only in on-premises Exchange`,
		},
		{
			name:    "unknown type",
			a:       domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: 7},
			wantErr: `domain: bad accepted domain "contoso.com": unknown DomainType DomainType(7)`,
		},
		{
			name:     "a TLD is a public suffix",
			a:        domain.AcceptedDomain{Name: domain.MustParse("com")},
			wantErr:  `domain: bad accepted domain "com": a public suffix cannot be an accepted domain`,
			sentinel: domain.ErrPublicSuffix,
		},
		{
			name:     "a multi-label ICANN suffix",
			a:        domain.AcceptedDomain{Name: domain.MustParse("co.uk"), Type: domain.InternalRelay, MatchSubDomains: true},
			wantErr:  `domain: bad accepted domain "co.uk": a public suffix cannot be an accepted domain`,
			sentinel: domain.ErrPublicSuffix,
		},
		{
			name:     "a PRIVATE-section suffix",
			a:        domain.AcceptedDomain{Name: domain.MustParse("github.io")},
			wantErr:  `domain: bad accepted domain "github.io": a public suffix cannot be an accepted domain`,
			sentinel: domain.ErrPublicSuffix,
		},
		{
			name: "a name under a PRIVATE-section suffix is fine",
			a:    domain.AcceptedDomain{Name: domain.MustParse("contoso.github.io")},
		},
		{
			name: "the tenant's initial onmicrosoft.com domain",
			a:    domain.AcceptedDomain{Name: domain.MustParse("contoso.onmicrosoft.com")},
		},
		{
			name:    "no name",
			a:       domain.AcceptedDomain{},
			wantErr: `domain: bad accepted domain "": DomainName is empty`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
			var e *domain.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "accepted domain", e.What)
			assert.Equal(t, tt.sentinel != nil, errors.Is(err, domain.ErrPublicSuffix), "errors.Is(err, ErrPublicSuffix)")
		})
	}
}

func TestAcceptedDomainCovers(t *testing.T) {
	contoso := domain.AcceptedDomain{Name: domain.MustParse("contoso.com")}
	relay := domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.InternalRelay}
	subs := domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.InternalRelay, MatchSubDomains: true}
	tests := []struct {
		a    domain.AcceptedDomain
		name string
		want bool
	}{
		// The domain itself.
		{contoso, "contoso.com", true},
		// Any spelling of it.
		{contoso, "CONTOSO.com.", true},
		// Not a subdomain, without MatchSubDomains.
		{contoso, "sales.contoso.com", false},
		// The type alone does not extend it.
		{relay, "sales.contoso.com", false},
		// With MatchSubDomains: a subdomain …
		{subs, "sales.contoso.com", true},
		// … at any depth …
		{subs, "a.b.contoso.com", true},
		// … and the domain itself.
		{subs, "contoso.com", true},
		// Label boundary.
		{subs, "evilcontoso.com", false},
		// A parent is not covered.
		{subs, "com", false},
		// Unrelated.
		{subs, "fabrikam.com", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.a.Covers(domain.MustParse(tt.name)), "%+v covers %s", tt.a, tt.name)
		// Covers and Pattern().Match agree.
		assert.Equal(t, tt.want, tt.a.Pattern().Match(domain.MustParse(tt.name)), "%+v pattern matches %s", tt.a, tt.name)
	}
	// The zero Name is covered by nothing, not even by the zero domain.
	assert.False(t, contoso.Covers(domain.Name{}))
	assert.False(t, domain.AcceptedDomain{}.Covers(domain.Name{}))
	// Pattern.
	assert.Equal(t, domain.MustParsePattern("contoso.com"), contoso.Pattern())
	assert.Equal(t, domain.MustParsePattern("*.contoso.com"), subs.Pattern())
}

func TestDomainType(t *testing.T) {
	tests := []struct {
		t    domain.DomainType
		text string
	}{
		{domain.Authoritative, "Authoritative"},
		{domain.InternalRelay, "InternalRelay"},
		{domain.ExternalRelay, "ExternalRelay"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.text, tt.t.String())
		// Case is ignored when parsing.
		for _, s := range []string{tt.text, strings.ToLower(tt.text)} {
			got, err := domain.ParseDomainType(s)
			require.NoError(t, err)
			assert.Equal(t, tt.t, got)
		}
	}
	// Exchange's numeric values.
	assert.Equal(t, domain.DomainType(0), domain.Authoritative)
	assert.Equal(t, domain.DomainType(1), domain.ExternalRelay)
	assert.Equal(t, domain.DomainType(2), domain.InternalRelay)
	assert.Equal(t, "DomainType(9)", domain.DomainType(9).String())
	// The zero value is Authoritative.
	var zero domain.AcceptedDomain
	assert.Equal(t, domain.Authoritative, zero.Type)

	// Regression: ParseDomainType's error was a plain fmt error, though
	// the package promises an *Error.
	_, err := domain.ParseDomainType("Relay")
	require.EqualError(t, err, `domain: bad domain type "Relay": want Authoritative or InternalRelay`)
	var e *domain.Error
	assert.True(t, errors.As(err, &e))

	// Text round trip.
	type row struct {
		Type domain.DomainType `json:"type"`
	}
	var r row
	require.NoError(t, json.Unmarshal([]byte(`{"type":"internalrelay"}`), &r))
	assert.Equal(t, domain.InternalRelay, r.Type)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"InternalRelay"}`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`{"type":"Hosted"}`), &r))
	assert.Equal(t, domain.InternalRelay, r.Type, "a failed UnmarshalText leaves the value alone")
}
