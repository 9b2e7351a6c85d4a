package attribution

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// want is the expected attribution of a session.
type want struct {
	tenant, connector string
	path              Path
	basis             Basis
	rcpt              []rcptWant // one per recipient, in order
	warnings          Warnings
}

type rcptWant struct {
	disposition Disposition
	reply       Reply
	route       string // outbound connector name expected for deliver/relay; "" for none or not checked
}

func deliver(route string) rcptWant { return rcptWant{Deliver, ReplyOK, route} }
func relay(route string) rcptWant   { return rcptWant{Relay, ReplyOK, route} }
func reject(r Reply) rcptWant       { return rcptWant{Reject, r, ""} }

type scenario struct {
	name    string
	session session
	want    want
}

func runScenarios(t *testing.T, d *Directory, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.session.build(t)
			got := d.Explain(s)
			explained := strings.Join(got.Steps, "\n")
			assert.Equal(t, sc.want.tenant, got.Tenant, "tenant\n%s", explained)
			assert.Equal(t, sc.want.connector, got.ConnectorName(), "connector\n%s", explained)
			assert.Equal(t, sc.want.path, got.Path, "path\n%s", explained)
			assert.Equal(t, sc.want.basis, got.Basis, "basis\n%s", explained)
			assert.Equal(t, sc.want.warnings, got.Warnings, "warnings\n%s", explained)
			require.Len(t, got.Recipients, len(sc.want.rcpt))
			for i, w := range sc.want.rcpt {
				r := got.Recipients[i]
				assert.Equal(t, w.disposition, r.Disposition, "recipient %s disposition\n%s", r.Address, explained)
				assert.Equal(t, w.reply, r.Reply, "recipient %s reply\n%s", r.Address, explained)
				if w.route != "" {
					require.NotNil(t, r.Route.Connector(), "recipient %s route", r.Address)
					assert.Equal(t, w.route, r.Route.Connector().Name, "recipient %s route", r.Address)
				}
			}
			// Attribute and Explain agree; Explain only adds the steps.
			plain := d.Attribute(s)
			assert.Equal(t, got.Tenant, plain.Tenant)
			assert.Equal(t, got.Path, plain.Path)
			assert.Equal(t, got.Recipients, plain.Recipients)
			assert.Empty(t, plain.Steps)
		})
	}
}

// TestJohnBobSun follows the seed article "Set up connectors to route mail
// between Microsoft 365 and your own email servers": John has a mailbox on
// the organisation's own server, Bob in the cloud, and Sun is a customer on
// the internet.
func TestJohnBobSun(t *testing.T) {
	d := mustDirectory(t, contoso())
	onPrem := session{ip: "203.0.113.5", cert: []string{"mail.contoso.com"}, tls: tls.VersionTLS12}
	internet := session{ip: "198.51.100.7"}

	johnToBob := onPrem
	johnToBob.mailFrom, johnToBob.rcpt = "john@contoso.com", []string{"bob@contoso.com"}
	johnToSun := onPrem
	johnToSun.mailFrom, johnToSun.rcpt = "john@contoso.com", []string{"sun@internet.example"}
	sunToBob := internet
	sunToBob.mailFrom, sunToBob.rcpt = "sun@internet.example", []string{"bob@contoso.com"}
	sunToSales := internet
	sunToSales.mailFrom, sunToSales.rcpt = "sun@internet.example", []string{"john@sales.contoso.com", "ann@fabrikam.com"}

	runScenarios(t, d, []scenario{
		{"John to Bob: on-premises server through the certificate connector", johnToBob,
			want{"contoso", "From on-premises", OnPremisesConnector, BasisCertificate, []rcptWant{deliver("Connector 2")}, 0}},
		{"John to Sun: relayed to the internet through the cloud", johnToSun,
			want{"contoso", "From on-premises", OnPremisesConnector, BasisCertificate, []rcptWant{{Relay, ReplyOK, ""}}, 0}},
		{"Sun to Bob: internet mail, no connector", sunToBob,
			want{"", "", Anonymous, BasisNone, []rcptWant{deliver("Connector 2")}, 0}},
		{"Sun to the worked example's domains: routed by the most specific connector", sunToSales,
			want{"", "", Anonymous, BasisNone, []rcptWant{deliver("Connector 3"), deliver("Connector 1")}, 0}},
	})

	// Bob to Sun needs no connector; Bob to John goes to the on-premises
	// server.
	table, ok := d.OutboundTable("contoso")
	require.True(t, ok)
	assert.Equal(t, connector.RuleNone, table.Select(domain.MustParse("internet.example")).Rule())
	assert.Equal(t, "Connector 2", table.Select(domain.MustParse("contoso.com")).Connector().Name)
}

// TestRelayRules covers the 2017 and 2023 relay requirements: an NDR (null
// sender), a foreign sender domain and forwarded mail relay only over a
// certificate-based connector whose certificate proves an accepted domain.
func TestRelayRules(t *testing.T) {
	d := mustDirectory(t, contoso(), fourthCoffee())
	byCert := session{ip: "203.0.113.5", cert: []string{"mail.contoso.com"}}
	byIP := session{ip: "203.0.113.10"}
	with := func(s session, from string, rcpt ...string) session {
		s.mailFrom, s.rcpt = from, rcpt
		return s
	}
	runScenarios(t, d, []scenario{
		{"NDR over the certificate connector relays", with(byCert, "<>", "sun@internet.example"),
			want{"contoso", "From on-premises", OnPremisesConnector, BasisCertificate, []rcptWant{relay("")}, 0}},
		{"NDR over the IP connector: ATTR36", with(byIP, "<>", "sun@internet.example"),
			want{"fourthcoffee", "Fourth Coffee servers", OnPremisesConnector, BasisConnector, []rcptWant{reject(ReplyRelayDeniedATTR36)}, 0}},
		{"foreign sender over the certificate connector relays", with(byCert, "someone@partner.example", "sun@internet.example"),
			want{"contoso", "From on-premises", OnPremisesConnector, BasisCertificate, []rcptWant{relay("")}, 0}},
		{"foreign sender over the IP connector: ATTR36", with(byIP, "someone@partner.example", "sun@internet.example"),
			want{"fourthcoffee", "Fourth Coffee servers", OnPremisesConnector, BasisConnector, []rcptWant{reject(ReplyRelayDeniedATTR36)}, 0}},
		{"forwarded internet mail over the IP connector: ATTR36 outside, delivered inside", with(byIP, "sun@internet.example", "forward@elsewhere.example", "ann@fourthcoffee.com"),
			want{"fourthcoffee", "Fourth Coffee servers", OnPremisesConnector, BasisRcptTo, []rcptWant{reject(ReplyRelayDeniedATTR36), deliver("To on-premises")}, 0}},
		{"own sender domain over the IP connector relays", with(byIP, "ann@fourthcoffee.com", "sun@internet.example"),
			want{"fourthcoffee", "Fourth Coffee servers", OnPremisesConnector, BasisMailFrom, []rcptWant{relay("")}, 0}},
		{"any sender may reach an accepted domain over the IP connector", with(byIP, "someone@partner.example", "ann@fourthcoffee.com"),
			want{"fourthcoffee", "Fourth Coffee servers", OnPremisesConnector, BasisRcptTo, []rcptWant{deliver("To on-premises")}, 0}},
		{"certificate of another organisation's host: no connector, anonymous", with(session{ip: "198.51.100.9", cert: []string{"mail.partner.example"}}, "x@partner.example", "sun@internet.example"),
			want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyUnableToRelay)}, 0}},
		{"the on-premises IP changed: TenantAttribution", with(session{ip: "203.0.113.99"}, "ann@fourthcoffee.com", "sun@internet.example"),
			want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyTenantAttribution)}, 0}},
	})
}

// TestCertificateProof covers the ATTR36 article: the certificate's host
// must sit directly under an accepted domain.
func TestCertificateProof(t *testing.T) {
	sub := contoso()
	sub.AcceptedDomains = append(sub.AcceptedDomains, domain.AcceptedDomain{Name: domain.MustParse("subdomain.contoso.com")})
	for _, tt := range []struct {
		name   string
		tenant Tenant
		cert   string
		want   rcptWant
		warn   Warnings
	}{
		{"host directly under the accepted domain proves it", contoso(), "mail.contoso.com", relay(""), 0},
		{"host two levels down proves nothing: ATTR36", contoso(), "hostname.subdomain.contoso.com", reject(ReplyRelayDeniedATTR36), Warnings(WarnCertProvesNothing)},
		{"adding subdomain.contoso.com fixes it", sub, "hostname.subdomain.contoso.com", relay(""), 0},
		{"a wildcard certificate proves its base", contoso(), "*.contoso.com", relay(""), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDirectory(t, tt.tenant)
			s := session{ip: "203.0.113.5", cert: []string{tt.cert}, mailFrom: "<>", rcpt: []string{"sun@internet.example"}}
			got := d.Explain(s.build(t))
			assert.Equal(t, "contoso", got.Tenant, strings.Join(got.Steps, "\n"))
			assert.Equal(t, tt.want.disposition, got.Recipients[0].Disposition, strings.Join(got.Steps, "\n"))
			assert.Equal(t, tt.want.reply, got.Recipients[0].Reply)
			assert.Equal(t, tt.warn, got.Warnings)
		})
	}
}

// TestDevicesAndApplications follows the seed article on sending from
// multifunction devices and applications: client submission, SMTP relay
// through a connector, and direct send.
func TestDevicesAndApplications(t *testing.T) {
	c := contoso()
	c.InboundConnectors = append(c.InboundConnectors, onPremByIP("Printers", "203.0.113.77"))
	d := mustDirectory(t, c)
	submit := session{ip: "198.51.100.20", port: 587, tls: tls.VersionTLS12, auth: "printer@contoso.com"}
	with := func(s session, from string, rcpt ...string) session {
		s.mailFrom, s.rcpt = from, rcpt
		return s
	}
	port := func(s session, p int) session { s.port = p; return s }
	tlsv := func(s session, v uint16) session { s.tls = v; return s }
	authAs := func(s session, u string) session { s.auth = u; return s }

	runScenarios(t, d, []scenario{
		// Option 1: SMTP AUTH client submission.
		{"submission to anyone", with(submit, "printer@contoso.com", "sun@internet.example", "bob@contoso.com"),
			want{"contoso", "", ClientSubmission, BasisAuthenticated, []rcptWant{relay(""), deliver("Connector 2")}, 0}},
		{"submission on port 25 is allowed", with(port(submit, 25), "printer@contoso.com", "sun@internet.example"),
			want{"contoso", "", ClientSubmission, BasisAuthenticated, []rcptWant{relay("")}, 0}},
		{"submission on port 465 is not supported", with(port(submit, 465), "printer@contoso.com", "sun@internet.example"),
			want{"", "", ClientSubmission, BasisNone, []rcptWant{reject(ReplyPortNotSupported)}, 0}},
		{"submission needs TLS", with(tlsv(submit, 0), "printer@contoso.com", "sun@internet.example"),
			want{"", "", ClientSubmission, BasisNone, []rcptWant{reject(ReplyTLSRequired)}, 0}},
		{"submission needs TLS 1.2 or newer", with(tlsv(submit, tls.VersionTLS11), "printer@contoso.com", "sun@internet.example"),
			want{"", "", ClientSubmission, BasisNone, []rcptWant{reject(ReplyTLSTooOld)}, 0}},
		{"sending as another mailbox without a grant: 5.7.60", with(submit, "ceo@contoso.com", "sun@internet.example"),
			want{"contoso", "", ClientSubmission, BasisAuthenticated, []rcptWant{reject(ReplySendAsDenied)}, 0}},
		{"sending as another mailbox with a SendAs grant", with(authAs(submit, "Scanner@contoso.com"), "sales@contoso.com", "sun@internet.example"),
			want{"contoso", "", ClientSubmission, BasisAuthenticated, []rcptWant{relay("")}, 0}},
		{"sender differs only in case", with(submit, "PRINTER@contoso.com", "sun@internet.example"),
			want{"contoso", "", ClientSubmission, BasisAuthenticated, []rcptWant{relay("")}, 0}},
		{"unauthenticated on the submission port: 5.7.57", with(authAs(submit, ""), "printer@contoso.com", "sun@internet.example"),
			want{"", "", ClientSubmission, BasisNone, []rcptWant{reject(ReplyNotAuthenticated)}, 0}},
		{"authenticated as a mailbox no tenant has", with(authAs(submit, "x@nowhere.example"), "x@nowhere.example", "sun@internet.example"),
			want{"", "", ClientSubmission, BasisNone, []rcptWant{reject(ReplyAuthFailed)}, 0}},
		// Option 3: SMTP relay through a connector matching the device's IP.
		{"SMTP relay from the printer's IP", with(session{ip: "203.0.113.77"}, "printer@contoso.com", "sun@internet.example"),
			want{"contoso", "Printers", OnPremisesConnector, BasisMailFrom, []rcptWant{relay("")}, 0}},
		// Option 2: direct send.
		{"direct send to an own mailbox", with(session{ip: "198.51.100.30"}, "printer@contoso.com", "bob@contoso.com"),
			want{"", "", Anonymous, BasisNone, []rcptWant{deliver("Connector 2")}, 0}},
		{"direct send to the internet: TenantAttribution", with(session{ip: "198.51.100.30"}, "printer@contoso.com", "sun@internet.example"),
			want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyTenantAttribution)}, 0}},
	})

	// RejectDirectSend closes direct send from the tenant's own domain,
	// but not mail from elsewhere nor the connector-matched printer.
	c.RejectDirectSend = true
	d = mustDirectory(t, c)
	runScenarios(t, d, []scenario{
		{"RejectDirectSend: own domain from an unknown IP", with(session{ip: "198.51.100.30"}, "printer@contoso.com", "bob@contoso.com"),
			want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyDirectSendRejected)}, 0}},
		{"RejectDirectSend: internet mail still arrives", with(session{ip: "198.51.100.30"}, "sun@internet.example", "bob@contoso.com"),
			want{"", "", Anonymous, BasisNone, []rcptWant{deliver("Connector 2")}, 0}},
		{"RejectDirectSend: the connector-matched printer still arrives", with(session{ip: "203.0.113.77"}, "printer@contoso.com", "bob@contoso.com"),
			want{"contoso", "Printers", OnPremisesConnector, BasisMailFrom, []rcptWant{deliver("Connector 2")}, 0}},
	})
}

// TestMC1226222 reproduces both anti-patterns of message-center post
// MC1226222 and how attribution falls through when they occur.
func TestMC1226222(t *testing.T) {
	// Anti-pattern 1: a third-party relay's certificate, in no accepted
	// domain of the tenants that use it.
	northwind := Tenant{ID: "northwind", AcceptedDomains: accepted("northwind.com"),
		InboundConnectors: []connector.Inbound{onPremByCert("Relay service", "*.relay-provider.example")}}
	woodgrove := Tenant{ID: "woodgrove", AcceptedDomains: accepted("woodgrove.com"),
		InboundConnectors: []connector.Inbound{onPremByCert("Relay service", "*.relay-provider.example")}}
	// Anti-pattern 2: one on-premises server's IP for two tenants.
	adatum := Tenant{ID: "adatum", AcceptedDomains: accepted("adatum.com"),
		InboundConnectors: []connector.Inbound{onPremByIP("Shared Exchange", "192.0.2.25")}}
	litware := Tenant{ID: "litware", AcceptedDomains: accepted("litware.com"),
		InboundConnectors: []connector.Inbound{onPremByIP("Shared Exchange", "192.0.2.0/24")}}

	t.Run("certificate not in an accepted domain, one tenant", func(t *testing.T) {
		d := mustDirectory(t, northwind)
		relayCert := session{ip: "198.51.100.50", cert: []string{"smtp.relay-provider.example"}}
		ok, ndr := relayCert, relayCert
		ok.mailFrom, ok.rcpt = "ann@northwind.com", []string{"sun@internet.example"}
		ndr.mailFrom, ndr.rcpt = "<>", []string{"sun@internet.example"}
		runScenarios(t, d, []scenario{
			{"own MAIL FROM: attributed at step 2 and relayed, with a warning", ok,
				want{"northwind", "Relay service", OnPremisesConnector, BasisMailFrom, []rcptWant{relay("")}, Warnings(WarnCertProvesNothing)}},
			{"NDR: falls through to the connector, ATTR36", ndr,
				want{"northwind", "Relay service", OnPremisesConnector, BasisConnector, []rcptWant{reject(ReplyRelayDeniedATTR36)}, Warnings(WarnCertProvesNothing)}},
		})
	})
	t.Run("certificate not in an accepted domain, two tenants", func(t *testing.T) {
		d := mustDirectory(t, northwind, woodgrove)
		s := session{ip: "198.51.100.50", cert: []string{"smtp.relay-provider.example"}}
		a, b, ndr := s, s, s
		a.mailFrom, a.rcpt = "ann@northwind.com", []string{"sun@internet.example"}
		b.mailFrom, b.rcpt = "<>", []string{"lee@woodgrove.com"}
		ndr.mailFrom, ndr.rcpt = "<>", []string{"sun@internet.example"}
		runScenarios(t, d, []scenario{
			{"MAIL FROM decides", a,
				want{"northwind", "Relay service", OnPremisesConnector, BasisMailFrom, []rcptWant{relay("")}, Warnings(WarnCertProvesNothing)}},
			{"null sender: RCPT TO decides", b,
				want{"woodgrove", "Relay service", OnPremisesConnector, BasisRcptTo, []rcptWant{{Deliver, ReplyOK, ""}}, Warnings(WarnCertProvesNothing)}},
			{"null sender to the internet: nothing decides, anonymous", ndr,
				want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyUnableToRelay)}, Warnings(WarnCertProvesNothing)}},
		})
	})
	t.Run("shared IP", func(t *testing.T) {
		d := mustDirectory(t, adatum, litware)
		s := session{ip: "192.0.2.25"}
		a, b, rc, ndr := s, s, s, s
		a.mailFrom, a.rcpt = "ann@adatum.com", []string{"sun@internet.example"}
		b.mailFrom, b.rcpt = "lee@litware.com", []string{"sun@internet.example"}
		rc.mailFrom, rc.rcpt = "<>", []string{"nobody@internet.example", "lee@litware.com"}
		ndr.mailFrom, ndr.rcpt = "<>", []string{"sun@internet.example"}
		shared := Warnings(WarnSharedSenderIP)
		runScenarios(t, d, []scenario{
			{"MAIL FROM of one tenant", a, want{"adatum", "Shared Exchange", OnPremisesConnector, BasisMailFrom, []rcptWant{relay("")}, shared}},
			{"MAIL FROM of the other", b, want{"litware", "Shared Exchange", OnPremisesConnector, BasisMailFrom, []rcptWant{relay("")}, shared}},
			{"null sender: the first owned recipient decides; outside relay denied", rc,
				want{"litware", "Shared Exchange", OnPremisesConnector, BasisRcptTo, []rcptWant{reject(ReplyRelayDeniedATTR36), {Deliver, ReplyOK, ""}}, shared}},
			{"null sender to the internet: never settled by the IP", ndr,
				want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyUnableToRelay)}, shared}},
		})
	})
	t.Run("one certificate proving two tenants' domains", func(t *testing.T) {
		a := Tenant{ID: "a", AcceptedDomains: accepted("a.example"), InboundConnectors: []connector.Inbound{onPremByCert("A", "*.a.example")}}
		b := Tenant{ID: "b", AcceptedDomains: accepted("b.example"), InboundConnectors: []connector.Inbound{onPremByCert("B", "*.b.example")}}
		d := mustDirectory(t, a, b)
		s := session{ip: "198.51.100.60", cert: []string{"mail.a.example", "mail.b.example"}, mailFrom: "x@b.example", rcpt: []string{"sun@internet.example"}}
		runScenarios(t, d, []scenario{
			{"step 1 decides nothing; MAIL FROM does", s,
				want{"b", "B", OnPremisesConnector, BasisMailFrom, []rcptWant{relay("")}, Warnings(WarnSharedCertificate)}},
		})
	})
}

// TestPartnerConnectors covers Partner inbound connectors with
// RestrictDomainsToIPAddresses, RestrictDomainsToCertificate and
// RequireTls.
func TestPartnerConnectors(t *testing.T) {
	byIP := connector.NewInbound("Partner by IP")
	byIP.SenderDomains = patterns("partner.example")
	byIP.SenderIPAddresses = prefixes("198.51.100.0/24")
	byIP.RestrictDomainsToIPAddresses = true
	byCert := connector.NewInbound("Bank by certificate")
	byCert.SenderDomains = patterns("*.bank.example")
	byCert.TlsSenderCertificateName = domain.MustParsePattern("*.bank.example")
	byCert.RestrictDomainsToCertificate = true
	byCert.RequireTls = true
	tlsOnly := connector.NewInbound("TLS from supplier")
	tlsOnly.SenderDomains = patterns("supplier.example")
	tlsOnly.RequireTls = true
	scoped := connector.NewInbound("Only for fabrikam.com")
	scoped.SenderDomains = patterns("scoped.example")
	scoped.SenderIPAddresses = prefixes("192.0.2.0/24")
	scoped.RestrictDomainsToIPAddresses = true
	scoped.AssociatedAcceptedDomains = []domain.Name{domain.MustParse("fabrikam.com")}
	c := contoso()
	c.InboundConnectors = append(c.InboundConnectors, byIP, byCert, tlsOnly, scoped)
	d := mustDirectory(t, c)
	s := func(ip, from string, tlsv uint16, cert ...string) session {
		return session{ip: ip, tls: tlsv, cert: cert, mailFrom: from, rcpt: []string{"bob@contoso.com"}}
	}
	runScenarios(t, d, []scenario{
		{"partner from its IP", s("198.51.100.8", "x@partner.example", 0),
			want{"contoso", "Partner by IP", PartnerConnector, BasisRcptTo, []rcptWant{deliver("Connector 2")}, 0}},
		{"partner's domain from elsewhere: 5.7.51", s("203.0.113.200", "x@partner.example", 0),
			want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyPartnerRejected)}, 0}},
		{"bank with its certificate", s("203.0.113.201", "x@mail.bank.example", tls.VersionTLS13, "mx1.bank.example"),
			want{"contoso", "Bank by certificate", PartnerConnector, BasisRcptTo, []rcptWant{deliver("Connector 2")}, 0}},
		{"bank's domain with another certificate: 5.7.51", s("203.0.113.201", "x@bank.example", tls.VersionTLS13, "mx.other.example"),
			want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyPartnerRejected)}, 0}},
		{"supplier without TLS: TLS required", s("203.0.113.202", "x@supplier.example", 0),
			want{"", "", Anonymous, BasisNone, []rcptWant{reject(ReplyTLSRequired)}, 0}},
		{"supplier with TLS", s("203.0.113.202", "x@supplier.example", tls.VersionTLS12),
			want{"contoso", "TLS from supplier", PartnerConnector, BasisRcptTo, []rcptWant{deliver("Connector 2")}, 0}},
		{"AssociatedAcceptedDomains: the restriction applies to fabrikam.com only", session{ip: "203.0.113.9", mailFrom: "x@scoped.example", rcpt: []string{"bob@contoso.com", "ann@fabrikam.com"}},
			want{"", "", Anonymous, BasisNone, []rcptWant{deliver("Connector 2"), reject(ReplyPartnerRejected)}, 0}},
		{"unrelated sender: plain internet mail", s("203.0.113.203", "x@other.example", 0),
			want{"", "", Anonymous, BasisNone, []rcptWant{deliver("Connector 2")}, 0}},
	})
}

func TestBadAddresses(t *testing.T) {
	d := mustDirectory(t, contoso())
	s := session{ip: "198.51.100.7", mailFrom: "sun@internet.example", rcpt: []string{"bob@contoso.com", "not an address", "x@[192.0.2.1]"}}
	got := d.Attribute(s.build(t))
	require.Len(t, got.Recipients, 3)
	assert.Equal(t, Deliver, got.Recipients[0].Disposition)
	for _, r := range got.Recipients[1:] {
		assert.Equal(t, Reject, r.Disposition, r.Address)
		assert.Equal(t, ReplyBadAddress, r.Reply, r.Address)
	}
}
