package connector

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/domain"
)

// errorLines returns the errors of err one per element.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %T is not an ErrorList: %v", err, err)
	}
	var out []string
	for _, e := range list {
		var ve *ValidationError
		if !errors.As(e, &ve) {
			t.Fatalf("%T is not a *ValidationError: %v", e, e)
		}
		out = append(out, e.Error())
	}
	return out
}

func TestOutboundValidate(t *testing.T) {
	base := func() Outbound { return onPrem("C", "contoso.com") } // valid
	tests := []struct {
		name   string
		modify func(*Outbound)
		want   []string // the messages after `connector "C": `
	}{
		{"valid OnPremises", func(*Outbound) {}, nil},
		{"valid Partner by MX", func(o *Outbound) { *o = partner("C", "fabrikam.com") }, nil},
		{"valid rule-scoped", func(o *Outbound) { *o = ruleScoped("C") }, nil},
		{"valid DomainValidation", func(o *Outbound) {
			o.TlsSettings, o.TlsDomain = DomainValidation, domain.MustParsePattern("*.contoso.com")
		}, nil},
		{"valid * with RouteAllMessagesViaOnPremises", func(o *Outbound) { *o = onPrem("C", "*", "all") }, nil},
		{"valid * on Partner", func(o *Outbound) { *o = partner("C", "*") }, nil},

		// One row per rule.
		{"Name empty", func(o *Outbound) { o.Name = "" }, []string{"Name: empty"}},
		{"Name too long", func(o *Outbound) { o.Name = strings.Repeat("é", 65) }, []string{"Name: longer than 64 characters"}},
		{"Name of 64 characters is fine", func(o *Outbound) { o.Name = strings.Repeat("é", 64) }, nil},
		{"ConnectorType unset", func(o *Outbound) { o.ConnectorType = 0 }, []string{"ConnectorType: not set: want OnPremises or Partner"}},
		{"ConnectorType unknown", func(o *Outbound) { o.ConnectorType = 3 }, []string{"ConnectorType: unknown value ConnectorType(3): want OnPremises or Partner"}},
		{"ConnectorSource unknown", func(o *Outbound) { o.ConnectorSource = 3 }, []string{"ConnectorSource: unknown value ConnectorSource(3)"}},
		{"RecipientDomains zero pattern", func(o *Outbound) { o.RecipientDomains = append(o.RecipientDomains, domain.Pattern{}) },
			[]string{"RecipientDomains[1]: empty pattern"}},
		{"RecipientDomains public-suffix wildcard", func(o *Outbound) {
			o.RecipientDomains = []domain.Pattern{domain.WildcardPattern(domain.MustParse("co.uk"))}
		}, []string{"RecipientDomains[0]: *.co.uk: co.uk is a public suffix; a wildcard over it would match other organisations' domains"}},
		{"RecipientDomains repeated", func(o *Outbound) { o.RecipientDomains = pats("contoso.com", "*.contoso.com", "CONTOSO.com") },
			[]string{"RecipientDomains[2]: contoso.com is already listed at RecipientDomains[0]"}},
		{"RecipientDomains repeated in a long list", func(o *Outbound) { // past 16 entries repeats are found with a map
			o.RecipientDomains = nil
			for i := range 20 {
				o.RecipientDomains = append(o.RecipientDomains, domain.MustParsePattern(fmt.Sprintf("d%d.contoso.com", i%18)))
			}
		}, []string{
			"RecipientDomains[18]: d0.contoso.com is already listed at RecipientDomains[0]",
			"RecipientDomains[19]: d1.contoso.com is already listed at RecipientDomains[1]",
		}},
		{"rule-scoped with domains (code: XOR)", func(o *Outbound) { o.IsTransportRuleScoped = true },
			[]string{"IsTransportRuleScoped: a rule-scoped connector cannot also have RecipientDomains or AllAcceptedDomains"}},
		{"rule-scoped with AllAcceptedDomains (code: XOR)", func(o *Outbound) { *o = onPrem("C", "all"); o.IsTransportRuleScoped = true },
			[]string{"IsTransportRuleScoped: a rule-scoped connector cannot also have RecipientDomains or AllAcceptedDomains"}},
		{"no scope at all (code: XOR)", func(o *Outbound) { o.RecipientDomains = nil },
			[]string{"RecipientDomains: empty: set RecipientDomains or AllAcceptedDomains, or IsTransportRuleScoped"}},
		{"AllAcceptedDomains on Partner", func(o *Outbound) { *o = partner("C"); o.AllAcceptedDomains = true },
			[]string{"AllAcceptedDomains: needs ConnectorType OnPremises"}},
		{"RouteAllMessagesViaOnPremises on Partner", func(o *Outbound) { *o = partner("C", "x.com"); o.RouteAllMessagesViaOnPremises = true },
			[]string{"RouteAllMessagesViaOnPremises: needs ConnectorType OnPremises"}},
		{"SenderRewritingEnabled on Partner", func(o *Outbound) { *o = partner("C", "x.com"); o.SenderRewritingEnabled = true },
			[]string{"SenderRewritingEnabled: needs ConnectorType OnPremises"}},
		{"CloudServicesMailEnabled on Partner (code)", func(o *Outbound) { *o = partner("C", "x.com"); o.CloudServicesMailEnabled = true },
			[]string{"CloudServicesMailEnabled: needs ConnectorType OnPremises"}},
		{"UseMXRecord false without smart hosts", func(o *Outbound) { o.SmartHosts = nil },
			[]string{"SmartHosts: empty, and UseMXRecord is false: list at least one smart host"}},
		{"UseMXRecord with smart hosts (code)", func(o *Outbound) {
			*o = partner("C", "x.com")
			o.SmartHosts = []SmartHost{MustParseSmartHost("192.0.2.1")}
		},
			[]string{"SmartHosts: set, but UseMXRecord is true: use one or the other"}},
		{"OnPremises routing by MX (code)", func(o *Outbound) { o.UseMXRecord = true },
			[]string{"UseMXRecord: an OnPremises connector cannot route by MX (the MX of an accepted domain leads back to the service): set it false and list SmartHosts"}},
		{"SmartHosts zero entry", func(o *Outbound) { o.SmartHosts = append(o.SmartHosts, SmartHost{}) }, []string{"SmartHosts[1]: empty smart host"}},
		{"SmartHosts repeated", func(o *Outbound) { o.SmartHosts = append(o.SmartHosts, MustParseSmartHost("MAIL.contoso.com")) },
			[]string{"SmartHosts[1]: mail.contoso.com is already listed at SmartHosts[0]"}},
		{"TlsDomain without DomainValidation (code)", func(o *Outbound) {
			o.TlsSettings, o.TlsDomain = CertificateValidation, domain.MustParsePattern("contoso.com")
		}, []string{"TlsDomain: set, but TlsSettings is not DomainValidation"}},
		{"DomainValidation without TlsDomain (code)", func(o *Outbound) { o.TlsSettings = DomainValidation },
			[]string{"TlsDomain: empty, but TlsSettings is DomainValidation: name the domain the certificate must match"}},
		{"TlsDomain * (code)", func(o *Outbound) { o.TlsSettings, o.TlsDomain = DomainValidation, domain.AnyPattern() },
			[]string{`TlsDomain: "*" is not allowed: name the certificate's domain`}},
		{"TlsDomain public-suffix wildcard", func(o *Outbound) {
			o.TlsSettings, o.TlsDomain = DomainValidation, domain.WildcardPattern(domain.MustParse("com"))
		}, []string{"TlsDomain: *.com: com is a public suffix; a wildcard over it would match other organisations' domains"}},
		{"TlsSettings unknown", func(o *Outbound) { o.TlsSettings = 3 }, []string{"TlsSettings: unknown value TlsAuthLevel(3)"}},
		{"* on OnPremises without RouteAllMessagesViaOnPremises (code)", func(o *Outbound) { o.RecipientDomains = pats("contoso.com", "*") },
			[]string{`RecipientDomains[1]: "*" on an OnPremises connector needs RouteAllMessagesViaOnPremises`}},

		// Several at once, in field order.
		{"several violations together", func(o *Outbound) {
			o.Name = ""
			o.ConnectorType = Partner
			o.AllAcceptedDomains = true
			o.RecipientDomains = nil
			o.SmartHosts = nil
			o.TlsSettings = DomainValidation
		}, []string{
			"Name: empty",
			"AllAcceptedDomains: needs ConnectorType OnPremises",
			"SmartHosts: empty, and UseMXRecord is false: list at least one smart host",
			"TlsDomain: empty, but TlsSettings is DomainValidation: name the domain the certificate must match",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.modify(&o)
			got := errorLines(t, o.Validate())
			var want []string
			for _, w := range tt.want {
				who := `connector "C": `
				if o.Name == "" {
					who = "connector (unnamed): "
				} else if o.Name != "C" {
					who = `connector "` + o.Name + `": `
				}
				want = append(want, who+w)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("Validate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestNewOutboundDefaults(t *testing.T) {
	o := NewOutbound("X")
	if !o.Enabled || !o.UseMXRecord || o.ConnectorType != Partner {
		t.Errorf("NewOutbound = %+v", o)
	}
	// A bare NewOutbound has no scope yet: Validate says so.
	if got := errorLines(t, o.Validate()); len(got) != 1 || !strings.Contains(got[0], "RecipientDomains: empty") {
		t.Errorf("Validate(NewOutbound) = %v", got)
	}
}

func TestOutboundPortability(t *testing.T) {
	o := partner("C", "x.com")
	o.UseMXRecord = false
	o.SmartHosts = []SmartHost{
		MustParseSmartHost("192.0.2.1"),      // IPv4: fine
		MustParseSmartHost("2001:db8::25"),   // IPv6 address
		MustParseSmartHost("mail.x.com"),     // a name: fine
		MustParseSmartHost("2001:db8::/64"),  // IPv6 range
		MustParseSmartHost("192.168.0.1/25"), // the documentation's own example: fine
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("IPv6 smart hosts are not validation errors: %v", err)
	}
	var got []string
	for _, e := range o.PortabilityIssues() {
		got = append(got, e.Error())
	}
	want := []string{
		`connector "C": SmartHosts[1]: 2001:db8::25 is IPv6: Exchange Online takes IPv4 smart hosts only`,
		`connector "C": SmartHosts[3]: 2001:db8::/64 is IPv6: Exchange Online takes IPv4 smart hosts only`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("PortabilityIssues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		p, err := ParseSenderIPAddress(s)
		if err != nil {
			panic(err)
		}
		out = append(out, p)
	}
	return out
}

func TestInboundValidate(t *testing.T) {
	cert := domain.MustParsePattern("*.contoso.com")
	base := func() Inbound { // a valid certificate-based OnPremises connector
		return Inbound{Name: "In", Enabled: true, ConnectorType: OnPremises, SenderDomains: pats("*"),
			TlsSenderCertificateName: cert, RequireTls: true}
	}
	tests := []struct {
		name   string
		modify func(*Inbound)
		want   []string
	}{
		{"valid certificate OnPremises", func(*Inbound) {}, nil},
		{"valid IP OnPremises", func(c *Inbound) {
			c.TlsSenderCertificateName, c.RequireTls = domain.Pattern{}, false
			c.SenderIPAddresses = prefixes("192.0.2.1", "198.51.100.0/24")
		}, nil},
		{"valid Partner restricted by IP", func(c *Inbound) {
			*c = NewInbound("In")
			c.SenderDomains = pats("fabrikam.com")
			c.SenderIPAddresses = prefixes("203.0.113.7")
			c.RestrictDomainsToIPAddresses = true
		}, nil},
		{"IPv6 and /16 are accepted (portability issues, not errors)", func(c *Inbound) {
			c.SenderIPAddresses = prefixes("2001:db8::/48", "10.0.0.0/16")
		}, nil},

		// One row per rule.
		{"Name empty", func(c *Inbound) { c.Name = "" }, []string{"Name: empty"}},
		{"Name too long", func(c *Inbound) { c.Name = strings.Repeat("x", 65) }, []string{"Name: longer than 64 characters"}},
		{"ConnectorType unset", func(c *Inbound) { c.ConnectorType = 0 }, []string{"ConnectorType: not set: want OnPremises or Partner"}},
		{"ConnectorSource unknown", func(c *Inbound) { c.ConnectorSource = 9 }, []string{"ConnectorSource: unknown value ConnectorSource(9)"}},
		{"SenderDomains required", func(c *Inbound) { c.SenderDomains = nil }, []string{"SenderDomains: empty: list the sender domains, or * for all"}},
		{"SenderDomains zero entry", func(c *Inbound) { c.SenderDomains = []domain.Pattern{{}} }, []string{"SenderDomains[0]: empty pattern"}},
		{"SenderDomains repeated", func(c *Inbound) { c.SenderDomains = pats("*", "*") }, []string{"SenderDomains[1]: * is already listed at SenderDomains[0]"}},
		{"SenderIPAddresses zero entry", func(c *Inbound) { c.SenderIPAddresses = []netip.Prefix{{}} }, []string{"SenderIPAddresses[0]: empty address"}},
		{"SenderIPAddresses repeated", func(c *Inbound) { c.SenderIPAddresses = prefixes("192.0.2.1", "192.0.2.1/32") },
			[]string{"SenderIPAddresses[1]: 192.0.2.1/32 is already listed at SenderIPAddresses[0]"}},
		{"OnPremises without IP or certificate", func(c *Inbound) { c.TlsSenderCertificateName = domain.Pattern{} },
			[]string{"SenderIPAddresses: an OnPremises connector must identify its senders: set SenderIPAddresses or TlsSenderCertificateName"}},
		{"certificate without RequireTls", func(c *Inbound) { c.RequireTls = false },
			[]string{"RequireTls: false, but TlsSenderCertificateName is set: a certificate needs TLS"}},
		{"certificate name over a public suffix", func(c *Inbound) { c.TlsSenderCertificateName = domain.WildcardPattern(domain.MustParse("co.uk")) },
			[]string{"TlsSenderCertificateName: *.co.uk: co.uk is a public suffix; a wildcard over it would match other organisations' domains"}},
		{"RestrictDomainsToIPAddresses without IPs", func(c *Inbound) { c.ConnectorType = Partner; c.RestrictDomainsToIPAddresses = true },
			[]string{"RestrictDomainsToIPAddresses: true, but SenderIPAddresses is empty"}},
		{"RestrictDomainsToIPAddresses with RestrictDomainsToCertificate", func(c *Inbound) {
			c.ConnectorType = Partner
			c.SenderIPAddresses = prefixes("192.0.2.1")
			c.RestrictDomainsToIPAddresses, c.RestrictDomainsToCertificate = true, true
		}, []string{"RestrictDomainsToIPAddresses: cannot be combined with RestrictDomainsToCertificate: use two connectors"}},
		{"RestrictDomainsToCertificate without certificate", func(c *Inbound) {
			c.ConnectorType, c.TlsSenderCertificateName, c.RestrictDomainsToCertificate = Partner, domain.Pattern{}, true
		}, []string{"RestrictDomainsToCertificate: true, but TlsSenderCertificateName is empty"}},
		{"CloudServicesMailEnabled on Partner", func(c *Inbound) { c.ConnectorType, c.CloudServicesMailEnabled = Partner, true },
			[]string{"CloudServicesMailEnabled: needs ConnectorType OnPremises"}},
		{"TreatMessagesAsInternal on Partner", func(c *Inbound) { c.ConnectorType, c.TreatMessagesAsInternal = Partner, true },
			[]string{"TreatMessagesAsInternal: needs ConnectorType OnPremises"}},
		{"TreatMessagesAsInternal with CloudServicesMailEnabled", func(c *Inbound) { c.TreatMessagesAsInternal, c.CloudServicesMailEnabled = true, true },
			[]string{"TreatMessagesAsInternal: cannot be combined with CloudServicesMailEnabled"}},
		{"AssociatedAcceptedDomains zero and repeated", func(c *Inbound) {
			c.AssociatedAcceptedDomains = []domain.Name{domain.MustParse("contoso.com"), {}, domain.MustParse("Contoso.com")}
		}, []string{"AssociatedAcceptedDomains[1]: empty domain", "AssociatedAcceptedDomains[2]: contoso.com is already listed at AssociatedAcceptedDomains[0]"}},
		{"EFSkipIPs private and malformed", func(c *Inbound) {
			c.EFSkipIPs = []IPRange{mustRange("203.0.113.1"), mustRange("172.31.255.250-172.32.0.5"), {}}
		}, []string{
			"EFSkipIPs[1]: 172.31.255.250-172.32.0.5 overlaps private range 172.16.0.0/12, which Enhanced Filtering skips by itself",
			"EFSkipIPs[2]: empty or malformed range",
		}},
		{"EFUsers not addresses", func(c *Inbound) { c.EFUsers = []string{"john@contoso.com", "john"} },
			[]string{`EFUsers[1]: not an address: domain: bad address "john": missing '@' and domain`}},

		// Several at once.
		{"several violations together", func(c *Inbound) {
			c.ConnectorType = Partner
			c.RequireTls = false
			c.CloudServicesMailEnabled = true
			c.RestrictDomainsToIPAddresses = true
		}, []string{
			"RequireTls: false, but TlsSenderCertificateName is set: a certificate needs TLS",
			"RestrictDomainsToIPAddresses: true, but SenderIPAddresses is empty",
			"CloudServicesMailEnabled: needs ConnectorType OnPremises",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.modify(&c)
			got := errorLines(t, c.Validate())
			var want []string
			for _, w := range tt.want {
				who := `connector "In": `
				if c.Name != "In" {
					who = "connector (unnamed): "
					if c.Name != "" {
						who = `connector "` + c.Name + `": `
					}
				}
				want = append(want, who+w)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("Validate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func mustRange(s string) IPRange {
	r, err := ParseIPRange(s)
	if err != nil {
		panic(err)
	}
	return r
}

func TestInboundPortability(t *testing.T) {
	c := Inbound{Name: "In", Enabled: true, ConnectorType: OnPremises, SenderDomains: pats("*"),
		SenderIPAddresses: prefixes(
			"192.0.2.1",        // a single IPv4 address (/32): fine
			"198.51.100.0/24",  // the widest Exchange accepts
			"10.0.0.0/23",      // wider than /24
			"2001:db8::1",      // IPv6 (/128)
			"::ffff:192.0.2.9", // IPv4-mapped IPv6 is IPv6 to Exchange too
		)}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	var got []string
	for _, e := range c.PortabilityIssues() {
		got = append(got, e.Error())
	}
	want := []string{
		`connector "In": SenderIPAddresses[2]: 10.0.0.0/23 is wider than /24: Exchange Online takes /24 to /32 only`,
		`connector "In": SenderIPAddresses[3]: 2001:db8::1/128 is IPv6: Exchange Online takes IPv4 only`,
		`connector "In": SenderIPAddresses[4]: ::ffff:192.0.2.9/128 is IPv6: Exchange Online takes IPv4 only`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("PortabilityIssues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestStoredKinds: a Stored connector that breaks write rules builds into
// a table, one that breaks a structural rule does not, and a connector
// written by hand is refused for either.
func TestStoredKinds(t *testing.T) {
	star := NewOutbound("Star") // * on OnPremises without RouteAllMessagesViaOnPremises
	star.ConnectorType = OnPremises
	star.UseMXRecord = false
	star.SmartHosts = []SmartHost{MustParseSmartHost("mail.contoso.com")}
	star.RecipientDomains = []domain.Pattern{domain.AnyPattern()}
	empty := NewOutbound("Empty") // an empty smart host: nothing to deliver to
	empty.UseMXRecord = false
	empty.RecipientDomains = []domain.Pattern{domain.MustParsePattern("p.example")}
	empty.SmartHosts = []SmartHost{{}}

	for _, tc := range []struct {
		c        Outbound
		wantKind RuleKind
	}{{star, KindWrite}, {empty, KindStructural}} {
		err := tc.c.Validate()
		if err == nil {
			t.Fatalf("%s: valid", tc.c.Name)
		}
		for _, e := range err.(ErrorList) {
			if k := e.(*ValidationError).Kind; k != tc.wantKind {
				t.Errorf("%s: %v is %v, want %v", tc.c.Name, e, k, tc.wantKind)
			}
		}
		if _, err := NewTable([]Outbound{tc.c}, nil); err == nil {
			t.Errorf("%s written by hand: the table builds", tc.c.Name)
		}
		tc.c.Stored = true
		_, err = NewTable([]Outbound{tc.c}, nil)
		if built := err == nil; built != (tc.wantKind == KindWrite) {
			t.Errorf("%s stored: NewTable error %v", tc.c.Name, err)
		}
	}
}
