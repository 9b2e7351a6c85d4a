package attribution

import (
	"crypto/tls"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Helpers to write tenants tersely.

func accepted(names ...string) []domain.AcceptedDomain {
	var out []domain.AcceptedDomain
	for _, n := range names {
		out = append(out, domain.AcceptedDomain{Name: domain.MustParse(n)})
	}
	return out
}

func patterns(ps ...string) []domain.Pattern {
	var out []domain.Pattern
	for _, p := range ps {
		out = append(out, domain.MustParsePattern(p))
	}
	return out
}

func prefixes(ps ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		pfx, err := connector.ParseSenderIPAddress(p)
		if err != nil {
			panic(err)
		}
		out = append(out, pfx)
	}
	return out
}

// onPremByCert is a hybrid inbound connector identifying the on-premises
// servers by certificate.
func onPremByCert(name, certName string) connector.Inbound {
	c := connector.NewInbound(name)
	c.ConnectorType = connector.OnPremises
	c.TlsSenderCertificateName = domain.MustParsePattern(certName)
	c.RequireTls = true
	return c
}

// onPremByIP identifies the on-premises servers by IP.
func onPremByIP(name string, ips ...string) connector.Inbound {
	c := connector.NewInbound(name)
	c.ConnectorType = connector.OnPremises
	c.SenderIPAddresses = prefixes(ips...)
	return c
}

func smartHosts(hs ...string) []connector.SmartHost {
	var out []connector.SmartHost
	for _, h := range hs {
		sh, err := connector.ParseSmartHost(h)
		if err != nil {
			panic(err)
		}
		out = append(out, sh)
	}
	return out
}

// onPremOutbound routes to the on-premises servers.
func onPremOutbound(name string, all bool, domains ...string) connector.Outbound {
	o := connector.NewOutbound(name)
	o.ConnectorType = connector.OnPremises
	o.UseMXRecord = false
	o.SmartHosts = smartHosts("mail." + "contoso.com")
	o.AllAcceptedDomains = all
	o.RecipientDomains = patterns(domains...)
	return o
}

// contoso is the hybrid organisation of the seed articles: the worked
// example's accepted domains and outbound connectors, plus a
// certificate-based OnPremises inbound connector for *.contoso.com.
func contoso() Tenant {
	return Tenant{
		ID:              "contoso",
		AcceptedDomains: accepted("contoso.com", "sales.contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"),
		InboundConnectors: []connector.Inbound{
			onPremByCert("From on-premises", "*.contoso.com"),
		},
		OutboundConnectors: []connector.Outbound{
			onPremOutbound("Connector 1", true),
			onPremOutbound("Connector 2", false, "contoso.com"),
			onPremOutbound("Connector 3", false, "*.contoso.com"),
		},
		SendAs: []SendAsGrant{{Identity: "sales@contoso.com", Trustee: "scanner@contoso.com"}},
	}
}

// fourthCoffee identifies its on-premises server by IP only.
func fourthCoffee() Tenant {
	return Tenant{
		ID:                 "fourthcoffee",
		AcceptedDomains:    accepted("fourthcoffee.com"),
		InboundConnectors:  []connector.Inbound{onPremByIP("Fourth Coffee servers", "203.0.113.10")},
		OutboundConnectors: []connector.Outbound{onPremOutbound("To on-premises", true)},
	}
}

func mustDirectory(t testing.TB, tenants ...Tenant) *Directory {
	t.Helper()
	d, err := NewDirectory(tenants)
	require.NoError(t, err)
	return d
}

// session describes an SMTP session tersely.
type session struct {
	ip       string
	port     int
	tls      uint16
	cert     []string
	auth     string
	mailFrom string
	rcpt     []string
}

func (s session) build(t testing.TB) *Session {
	t.Helper()
	out := &Session{Port: s.port, TLSVersion: s.tls, MailFrom: ParseAddress(s.mailFrom), RcptTo: ParseAddresses(s.rcpt...)}
	if out.Port == 0 {
		out.Port = 25
	}
	if s.ip != "" {
		out.ClientIP = netip.MustParseAddr(s.ip)
	}
	if s.auth != "" {
		out.AuthUser = ParseAddress(s.auth)
	}
	if len(s.cert) > 0 {
		names, err := certmatch.ParseNames(s.cert...)
		require.NoError(t, err)
		out.Certificate = names
		if out.TLSVersion == 0 {
			out.TLSVersion = tls.VersionTLS12
		}
	}
	return out
}

func parseCertNames(s string) (certmatch.Names, error) {
	if s == "" {
		return certmatch.Names{}, nil
	}
	return certmatch.ParseNames(s)
}
