package postfix

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// TLSPolicyMap answers smtp_tls_policy_maps lookups from the outbound
// connectors' TlsSettings and TlsDomain, so that the TLS a connector
// demands reaches Postfix's SMTP client. Postfix looks the table up by
// next hop: "[host]:port" or "[host]" for a smart host (what
// [TransportMap] and [Router] answer), the recipient domain for
// UseMXRecord. The answer is a Postfix TLS security level:
//
//	TlsSettings                  answer
//	unset                        may                  (opportunistic, as Exchange)
//	EncryptionOnly               encrypt
//	CertificateValidation        verify               (chain and host name: Postfix cannot check the chain alone)
//	DomainValidation, TlsDomain  secure match=contoso.com   (*.contoso.com: match=contoso.com:.contoso.com)
//
// A next hop no connector names is not found (smtp_tls_security_level
// applies). Connectors of several tenants naming the same next hop with
// different policies are a temporary failure (logged): Postfix defers
// the mail rather than choose the weaker one.
type TLSPolicyMap struct {
	// Directory is required.
	Directory *attribution.Holder
	// Port is the smart hosts' port, as in [TransportMap]; 0 means 25.
	Port int
	// Logger: nil means slog.Default().
	Logger *slog.Logger
}

// Lookup returns the TLS policy for next hop key.
func (m *TLSPolicyMap) Lookup(key string) (value string, found bool, err error) {
	log := m.Logger
	if log == nil {
		log = slog.Default()
	}
	var policies, from []string
	add := func(tenant string, c *connector.Outbound) {
		p := tlsPolicy(c)
		from = append(from, fmt.Sprintf("tenant %q connector %q: %s", tenant, c.Name, p))
		if !slices.Contains(policies, p) {
			policies = append(policies, p)
		}
	}
	dir := m.Directory.Load()
	if host, ok := bracketHost(key, m.port()); ok {
		for _, tenant := range dir.Tenants() {
			table, _ := dir.OutboundTable(tenant)
			for c := range table.Connectors() {
				if c.Enabled && !c.UseMXRecord && slices.ContainsFunc(c.SmartHosts, func(h connector.SmartHost) bool {
					n, ok := smartHostName(h)
					return ok && strings.EqualFold(n, host)
				}) {
					add(tenant, c)
				}
			}
		}
	} else if d, err := domain.Parse(key); err == nil {
		for _, tenant := range dir.Tenants() {
			table, _ := dir.OutboundTable(tenant)
			if c := table.Select(d).Connector(); c != nil && c.UseMXRecord {
				add(tenant, c)
			}
		}
	}
	switch len(policies) {
	case 0:
		log.Debug("tls policy lookup", "key", key, "found", false)
		return "", false, nil
	case 1:
		log.Debug("tls policy lookup", "key", key, "found", true, "value", policies[0])
		return policies[0], true, nil
	}
	err = &TemporaryError{Msg: fmt.Sprintf("next hop %q: connectors disagree on TLS (%s)", key, strings.Join(from, "; "))}
	log.Warn("tls policy lookup failed", "key", key, "err", err)
	return "", false, err
}

func (m *TLSPolicyMap) port() int {
	if m.Port == 0 {
		return 25
	}
	return m.Port
}

// bracketHost returns host of "[host]" or "[host]:port" when port is
// the smart hosts' port.
func bracketHost(key string, port int) (string, bool) {
	if !strings.HasPrefix(key, "[") {
		return "", false
	}
	host, rest, ok := strings.Cut(key[1:], "]")
	if !ok || host == "" {
		return "", false
	}
	if rest != "" {
		p, err := strconv.Atoi(strings.TrimPrefix(rest, ":"))
		if !strings.HasPrefix(rest, ":") || err != nil || p != port {
			return "", false
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.String()
	}
	return host, true
}

// tlsPolicy is the smtp_tls_policy_maps value for connector c.
func tlsPolicy(c *connector.Outbound) string {
	switch c.TlsSettings {
	case connector.EncryptionOnly:
		return "encrypt"
	case connector.CertificateValidation:
		return "verify"
	case connector.DomainValidation:
		d := c.TlsDomain
		if d.Kind() == domain.Wildcard {
			return "secure match=" + d.Base().String() + ":." + d.Base().String()
		}
		if d.IsValid() {
			return "secure match=" + d.Base().String()
		}
		return "secure"
	}
	return "may"
}
