package attribution

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/domain"
)

// refOverlap is the slow reference of the ownership rule: two accepted
// domains claim a common name when they are the same name, or one
// matches subdomains and the other lies below it, at any depth.
func refOverlap(a, b domain.AcceptedDomain) bool {
	return a.Name == b.Name ||
		a.MatchSubDomains && b.Name.IsSubdomainOf(a.Name) ||
		b.MatchSubDomains && a.Name.IsSubdomainOf(b.Name)
}

// ownedElsewhere reports whether a overlaps an accepted domain of one of
// tenants.
func ownedElsewhere(tenants []Tenant, a domain.AcceptedDomain) bool {
	for _, t := range tenants {
		for _, b := range t.AcceptedDomains {
			if refOverlap(a, b) {
				return true
			}
		}
	}
	return false
}

// TestOwnershipDifferential builds random directories whose tenants may
// overlap and checks NewDirectory's OwnershipErrors against every pair of
// tenants' domains, compared by the slow reference: every overlapping
// pair of tenants is reported, and no other.
func TestOwnershipDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	labels := []string{"a", "b", "eu", "mail", "x"}
	randName := func() string {
		s := labels[r.IntN(len(labels))] + ".example"
		for range r.IntN(3) {
			s = labels[r.IntN(len(labels))] + "." + s
		}
		return s
	}
	type pair struct{ first, second int }
	for round := range 300 {
		var tenants []Tenant
		for ti := range 2 + r.IntN(5) {
			tn := Tenant{ID: fmt.Sprint("t", ti)}
			seen := map[string]bool{}
			for range 1 + r.IntN(3) {
				a := domain.AcceptedDomain{Name: domain.MustParse(randName())}
				if seen[a.Name.String()] {
					continue // repeats inside a tenant are another error
				}
				seen[a.Name.String()] = true
				if r.IntN(3) == 0 {
					a.Type, a.MatchSubDomains = domain.InternalRelay, true
				}
				tn.AcceptedDomains = append(tn.AcceptedDomains, a)
			}
			// A tenant may cover its own names: that is no conflict,
			// and the reference below only pairs different tenants.
			tenants = append(tenants, tn)
		}
		want := map[pair]bool{}
		for i := range tenants {
			for j := i + 1; j < len(tenants); j++ {
				for _, a := range tenants[i].AcceptedDomains {
					for _, b := range tenants[j].AcceptedDomains {
						if refOverlap(a, b) {
							want[pair{i, j}] = true
						}
					}
				}
			}
		}
		_, err := NewDirectory(tenants)
		got := map[pair]bool{}
		var errs []error
		if err != nil {
			errs = err.(interface{ Unwrap() []error }).Unwrap() // errors.Join
		}
		for _, e := range errs {
			var oe *OwnershipError
			if !errors.As(e, &oe) {
				var ce *ConfigError
				require.ErrorAs(t, e, &ce, "round %d: only ownership errors expected", round)
				continue
			}
			require.Less(t, oe.First.TenantIndex, oe.Second.TenantIndex, "round %d: %v", round, oe)
			require.True(t, refOverlap(oe.First.Domain, oe.Second.Domain), "round %d: reported, but no overlap: %v", round, oe)
			// The claims point at the entries they name.
			require.Equal(t, tenants[oe.First.TenantIndex].AcceptedDomains[oe.First.Index], oe.First.Domain)
			require.Equal(t, tenants[oe.Second.TenantIndex].AcceptedDomains[oe.Second.Index], oe.Second.Domain)
			got[pair{oe.First.TenantIndex, oe.Second.TenantIndex}] = true
		}
		require.Equal(t, want, got, "round %d: overlapping tenant pairs", round)
		if len(want) == 0 {
			require.NoError(t, err, "round %d", round)
		}
	}
}

// TestOwnershipCases: the rule's examples from issue 12, each refused with
// both tenants and both entries named.
func TestOwnershipCases(t *testing.T) {
	acc := func(n string, sub bool) domain.AcceptedDomain {
		a := domain.AcceptedDomain{Name: domain.MustParse(n)}
		if sub {
			a.Type, a.MatchSubDomains = domain.InternalRelay, true
		}
		return a
	}
	for _, tc := range []struct {
		name string
		a, b domain.AcceptedDomain
		want string // "" when the two tenants may coexist
	}{
		{"same exact domain", acc("contoso.com", false), acc("Contoso.COM", false),
			`attribution: accepted domain contoso.com of tenant "b" (AcceptedDomains[0]) conflicts with contoso.com of tenant "a" (AcceptedDomains[0]): both tenants accept contoso.com; a name is owned by one tenant only`},
		{"MatchSubDomains over an exact subdomain", acc("fabrikam.com", true), acc("eu.fabrikam.com", false),
			`attribution: accepted domain eu.fabrikam.com of tenant "b" (AcceptedDomains[0]) conflicts with fabrikam.com (MatchSubDomains) of tenant "a" (AcceptedDomains[0]): fabrikam.com matches subdomains, so it covers eu.fabrikam.com; a name is owned by one tenant only`},
		{"an exact domain under a later MatchSubDomains", acc("a.b.fabrikam.com", false), acc("fabrikam.com", true),
			`attribution: accepted domain fabrikam.com (MatchSubDomains) of tenant "b" (AcceptedDomains[0]) conflicts with a.b.fabrikam.com of tenant "a" (AcceptedDomains[0]): fabrikam.com matches subdomains, so it covers a.b.fabrikam.com; a name is owned by one tenant only`},
		{"both MatchSubDomains, nested", acc("fabrikam.com", true), acc("eu.fabrikam.com", true),
			`attribution: accepted domain eu.fabrikam.com (MatchSubDomains) of tenant "b" (AcceptedDomains[0]) conflicts with fabrikam.com (MatchSubDomains) of tenant "a" (AcceptedDomains[0]): fabrikam.com matches subdomains, so it covers eu.fabrikam.com; a name is owned by one tenant only`},
		{"MatchSubDomains and the same name exact", acc("fabrikam.com", true), acc("fabrikam.com", false),
			`attribution: accepted domain fabrikam.com of tenant "b" (AcceptedDomains[0]) conflicts with fabrikam.com (MatchSubDomains) of tenant "a" (AcceptedDomains[0]): both tenants accept fabrikam.com; a name is owned by one tenant only`},
		{"an exact parent does not cover its subdomains", acc("fabrikam.com", false), acc("eu.fabrikam.com", false), ""},
		{"label boundaries", acc("fabrikam.com", true), acc("evilfabrikam.com", false), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDirectory([]Tenant{{ID: "a", AcceptedDomains: []domain.AcceptedDomain{tc.a}}, {ID: "b", AcceptedDomains: []domain.AcceptedDomain{tc.b}}})
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			var oe *OwnershipError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, []string{"a", "b"}, []string{oe.First.Tenant, oe.Second.Tenant})
		})
	}
}

// TestOwnershipSameTenant: a tenant may cover its own subdomains, but not
// list one name twice, in either form.
func TestOwnershipSameTenant(t *testing.T) {
	sub := domain.AcceptedDomain{Name: domain.MustParse("contoso.com"), Type: domain.InternalRelay, MatchSubDomains: true}
	_, err := NewDirectory([]Tenant{{ID: "a", AcceptedDomains: []domain.AcceptedDomain{sub, {Name: domain.MustParse("eu.contoso.com")}}}})
	assert.NoError(t, err)
	_, err = NewDirectory([]Tenant{{ID: "a", AcceptedDomains: []domain.AcceptedDomain{sub, {Name: domain.MustParse("contoso.com")}}}})
	assert.EqualError(t, err, `attribution: tenant "a" AcceptedDomains[1].DomainName: accepted domain contoso.com is listed twice`)
}

// TestNewDirectoryCopies: changing the caller's slices after NewDirectory
// changes nothing in the directory.
func TestNewDirectoryCopies(t *testing.T) {
	tenants := []Tenant{contoso()}
	d, err := NewDirectory(tenants)
	require.NoError(t, err)
	before, _ := d.Tenant("contoso")
	s := &Session{ClientIP: netip.MustParseAddr("203.0.113.9"), Port: 25, MailFrom: ParseAddress("a@contoso.com"), RcptTo: ParseAddresses("b@contoso.com")}
	want := d.Attribute(s)

	tn := &tenants[0]
	tn.AcceptedDomains[0].Name = domain.MustParse("changed.example")
	for i := range tn.InboundConnectors {
		c := &tn.InboundConnectors[i]
		for j := range c.SenderIPAddresses {
			c.SenderIPAddresses[j] = netip.MustParsePrefix("198.51.100.0/24")
		}
		for j := range c.SenderDomains {
			c.SenderDomains[j] = domain.MustParsePattern("changed.example")
		}
	}
	for i := range tn.OutboundConnectors {
		c := &tn.OutboundConnectors[i]
		for j := range c.RecipientDomains {
			c.RecipientDomains[j] = domain.MustParsePattern("changed.example")
		}
		c.Name = "changed"
	}
	after, _ := d.Tenant("CONTOSO")
	assert.Equal(t, before, after, "the directory's tenant did not change")
	assert.Equal(t, want.Recipients, d.Attribute(s).Recipients)

	// And the copy Tenant returns is the caller's own.
	after.AcceptedDomains[0].Name = domain.MustParse("again.example")
	again, _ := d.Tenant("contoso")
	assert.Equal(t, before, again)
	assert.True(t, slices.Equal(before.AcceptedDomains, again.AcceptedDomains))
}
