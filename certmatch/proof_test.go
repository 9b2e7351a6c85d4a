package certmatch_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

func accepted(name string) domain.AcceptedDomain {
	return domain.AcceptedDomain{Name: domain.MustParse(name)}
}

func matchSub(name string) domain.AcceptedDomain {
	return domain.AcceptedDomain{Name: domain.MustParse(name), Type: domain.InternalRelay, MatchSubDomains: true}
}

func TestProves(t *testing.T) {
	tests := []struct {
		name string
		a    domain.AcceptedDomain
		want bool
	}{
		// The cases and the ATTR36 article (KB 4019940).
		{"mail.contoso.com", accepted("contoso.com"), true},         // directly under
		{"host.sub.contoso.com", accepted("contoso.com"), false},    // two labels under: ATTR36
		{"host.sub.contoso.com", accepted("sub.contoso.com"), true}, // ...fixed by accepting sub.contoso.com
		{"*.contoso.com", accepted("contoso.com"), true},            // a wildcard proves its base
		{"contoso.com", accepted("contoso.com"), true},              // the name itself
		{"*.sub.contoso.com", accepted("contoso.com"), false},       // its hosts are two labels under
		{"*.sub.contoso.com", accepted("sub.contoso.com"), true},    // its base
		{"*.contoso.com", accepted("mail.contoso.com"), false},      // a wildcard proves its base, not its hosts
		{"contoso.com", accepted("mail.contoso.com"), false},        // a parent proves no child
		{"mail.evilcontoso.com", accepted("contoso.com"), false},    // label-aware
		{"contoso.com.evil.net", accepted("contoso.com"), false},    // label-aware, the other end
		{"mail.contoso.com", accepted("fabrikam.com"), false},       // unrelated
		// MatchSubDomains: below at any depth.
		{"host.sub.contoso.com", matchSub("contoso.com"), true},  // any depth
		{"a.b.c.contoso.com", matchSub("contoso.com"), true},     // any depth
		{"*.a.b.contoso.com", matchSub("contoso.com"), true},     // a wildcard below it
		{"*.contoso.com", matchSub("contoso.com"), true},         // its base
		{"contoso.com", matchSub("contoso.com"), true},           // itself
		{"contoso.com", matchSub("sub.contoso.com"), false},      // not above it
		{"*.contoso.com", matchSub("sub.contoso.com"), false},    // a wider wildcard does not prove a subdomain
		{"mail.evilcontoso.com", matchSub("contoso.com"), false}, // label-aware
		// Public suffixes: nothing is proved through them.
		{"contoso.co.uk", accepted("contoso.co.uk"), true},                      // a registrable name proves itself
		{"mail.contoso.co.uk", accepted("contoso.co.uk"), true},                 // and its parent
		{"contoso.co.uk", accepted("co.uk"), false},                             // ...never the suffix above
		{"contoso.com", accepted("com"), false},                                 // ...nor a TLD
		{"mail.contoso.co.uk", matchSub("co.uk"), false},                        // ...even a (bogus) MatchSubDomains one
		{"a.b.contoso.co.uk", matchSub("uk"), false},                            // ...at any depth
		{"foo.github.io", accepted("github.io"), false},                         // private-section suffixes too
		{"github.io", accepted("github.io"), false},                             // a suffix as a name proves nothing
		{"s3.amazonaws.com", accepted("amazonaws.com"), false},                  // ...not even its registrable parent
		{"a.s3.amazonaws.com", matchSub("s3.amazonaws.com"), false},             // a customer's name does not prove the suffix
		{"a.s3.amazonaws.com", matchSub("amazonaws.com"), false},                // nor Amazon's domain across it
		{"mail.s3.amazonaws.com", accepted("s3.amazonaws.com"), false},          // nor as a parent
		{"smtp.mail.s3.amazonaws.com", accepted("mail.s3.amazonaws.com"), true}, // the customer's own domain is fine
		{"*.mail.s3.amazonaws.com", matchSub("mail.s3.amazonaws.com"), true},    // ...by a wildcard too
		{"*.a.mail.s3.amazonaws.com", matchSub("amazonaws.com"), false},         // but never across the suffix
		{"*.amazonaws.com", accepted("amazonaws.com"), true},                    // Amazon's own wildcard is Amazon's
	}
	for _, tt := range tests {
		n := certmatch.MustParseName(tt.name)
		if got := n.Proves(tt.a); got != tt.want {
			t.Errorf("%s proves %s (MatchSubDomains %v) = %v, want %v", tt.name, tt.a.Name, tt.a.MatchSubDomains, got, tt.want)
		}
		// ProofCandidates agrees with Proves for domains without
		// MatchSubDomains.
		if !tt.a.MatchSubDomains {
			c, k := n.ProofCandidates()
			if in := slices.Contains(c[:k], tt.a.Name); in != tt.want {
				t.Errorf("%s: %s in ProofCandidates %v = %v, want %v", tt.name, tt.a.Name, c[:k], in, tt.want)
			}
		}
	}
	if certmatch.MustParseName("mail.contoso.com").Proves(domain.AcceptedDomain{}) {
		t.Error("a name proves the zero AcceptedDomain")
	}
}

func TestProve(t *testing.T) {
	tests := []struct {
		names    []string
		accepted []domain.AcceptedDomain
		want     string // "domain by name; …"
	}{
		// The ATTR36 fix: accepting sub.contoso.com.
		{[]string{"host.sub.contoso.com"}, []domain.AcceptedDomain{accepted("contoso.com")}, ""},
		{[]string{"host.sub.contoso.com"}, []domain.AcceptedDomain{accepted("contoso.com"), accepted("sub.contoso.com")},
			"sub.contoso.com by host.sub.contoso.com"},
		// The first name in certificate order is the one reported.
		{[]string{"relay.contoso.com", "*.contoso.com", "mail.sales.contoso.com"},
			[]domain.AcceptedDomain{accepted("contoso.com"), accepted("sales.contoso.com"), accepted("fabrikam.com")},
			"contoso.com by relay.contoso.com; sales.contoso.com by mail.sales.contoso.com"},
		// A certificate whose names are under a public suffix proves its
		// own domain and nothing above.
		{[]string{"contoso.co.uk"}, []domain.AcceptedDomain{accepted("co.uk"), accepted("contoso.co.uk")},
			"contoso.co.uk by contoso.co.uk"},
		// No name: nothing.
		{nil, []domain.AcceptedDomain{accepted("contoso.com")}, ""},
	}
	for _, tt := range tests {
		ns, err := certmatch.ParseNames(tt.names...)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ns.Prove(tt.accepted) {
			got = append(got, p.String())
		}
		if s := strings.Join(got, "; "); s != tt.want {
			t.Errorf("%q Prove:\n got %s\nwant %s", tt.names, s, tt.want)
		}
	}
}

// TestProveSeveralTenants has one certificate naming domains of several
// tenants (a shared relay: MC1226222's shared-certificate case). Each
// tenant's own accepted domains are proved separately, and a global index
// built from ProofCandidates finds every tenant the certificate speaks for.
func TestProveSeveralTenants(t *testing.T) {
	tenants := map[string][]domain.AcceptedDomain{
		"contoso":   {accepted("contoso.com"), accepted("sales.contoso.com")},
		"fabrikam":  {accepted("fabrikam.com")},
		"tailspin":  {matchSub("tailspin.net")},
		"northwind": {accepted("northwind.com")},
	}
	ns, err := certmatch.ParseNames("mail.contoso.com", "*.fabrikam.com", "smtp.eu.tailspin.net", "northwind.com.evil.net")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"contoso":   "contoso.com by mail.contoso.com",
		"fabrikam":  "fabrikam.com by *.fabrikam.com",
		"tailspin":  "tailspin.net by smtp.eu.tailspin.net",
		"northwind": "",
	}
	for tenant, domains := range tenants {
		var got []string
		for _, p := range ns.Prove(domains) {
			got = append(got, p.String())
		}
		if s := strings.Join(got, "; "); s != want[tenant] {
			t.Errorf("tenant %s: got %q, want %q", tenant, s, want[tenant])
		}
	}

	// The global view: accepted domains are unique across tenants, so an
	// index from name to owner finds the tenants by lookups, walking up
	// from the last candidate for MatchSubDomains domains.
	owner := map[domain.Name]string{}
	byName := map[domain.Name]domain.AcceptedDomain{}
	for tenant, domains := range tenants {
		for _, a := range domains {
			owner[a.Name] = tenant
			byName[a.Name] = a
		}
	}
	found := map[string]bool{}
	for n := range ns.All() {
		c, k := n.ProofCandidates()
		for _, d := range c[:k] {
			if tenant, ok := owner[d]; ok {
				found[tenant] = true
			}
		}
		if k == 0 {
			continue
		}
		for d, ok := c[k-1].Parent(); ok; d, ok = d.Parent() {
			if a, ok := byName[d]; ok && a.MatchSubDomains && n.Proves(a) {
				found[owner[d]] = true
			}
		}
	}
	var got []string
	for tenant := range found {
		got = append(got, tenant)
	}
	slices.Sort(got)
	if s := strings.Join(got, ","); s != "contoso,fabrikam,tailspin" {
		t.Errorf("tenants proved: %s, want contoso,fabrikam,tailspin", s)
	}
}
