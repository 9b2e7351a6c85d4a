package postfix

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// TransportMap answers transport_maps lookups: a recipient address is
// routed by the outbound connector its tenant's table selects, to that
// connector's next hop. SocketmapServer and TCPTableServer serve it.
//
//	selected connector                     answer
//	UseMXRecord false, SmartHosts h1, h2   smtp:[h1]:25, [h2]:25   (brackets: no MX lookup)
//	UseMXRecord true                       smtp:                   (MX lookup of the recipient domain)
//	none                                   not found               (Postfix's default routing)
//
// Smart hosts that are CIDR ranges cannot be a next hop and are left out
// (logged); a connector left with no next hop is a temporary failure, so
// that Postfix defers the mail instead of routing it elsewhere. A list of
// next hops needs Postfix 3.5 or later.
//
// The table is the sending tenant's: Tenant when set; else the only
// tenant of the directory; else the tenant that accepts the recipient's
// domain (mail to a tenant's own domains follows that tenant's
// connectors), and not found for other domains. Postfix's lookup key
// carries no sender, so a service relaying for several tenants to the
// internet names one with Tenant, or runs one map per tenant.
//
// Set the fields before serving and leave them alone afterwards; the
// directory is read from the Holder on every lookup.
type TransportMap struct {
	// Directory is required.
	Directory *attribution.Holder
	// Tenant is the sending tenant (see above); "" chooses.
	Tenant string
	// Port is the port of smart-host next hops; 0 means 25.
	Port int
	// Transport is the master.cf service of the answers; "" means "smtp".
	Transport string
	// Logger gets a Debug line per lookup and a Warn line per problem;
	// nil means slog.Default().
	Logger *slog.Logger
}

// TemporaryError is a lookup that failed for now: Postfix defers the
// mail.
type TemporaryError struct{ Msg string }

func (e *TemporaryError) Error() string { return "postfix: transport: " + e.Msg }

// Lookup returns the transport_maps answer for key, a recipient address
// as Postfix sends it (also a bare domain, for postmap -q). found is false
// when mailflow has no route for it: Postfix then routes by its own
// defaults. A *TemporaryError says the route cannot be given now.
func (m *TransportMap) Lookup(key string) (value string, found bool, err error) {
	log := m.Logger
	if log == nil {
		log = slog.Default()
	}
	value, found, why, err := m.lookup(key, log)
	if err != nil {
		log.Warn("transport lookup failed", "key", key, "err", err)
	} else {
		log.Debug("transport lookup", "key", key, "found", found, "value", value, "why", why)
	}
	return value, found, err
}

func (m *TransportMap) lookup(key string, log *slog.Logger) (value string, found bool, why string, err error) {
	d, err := keyDomain(key)
	if err != nil {
		// "*", the null sender, an address literal, junk: no route.
		return "", false, err.Error(), nil
	}
	dir := m.Directory.Load()
	tenant := m.Tenant
	switch {
	case tenant != "":
		id, ok := dir.TenantID(tenant)
		if !ok {
			return "", false, "", &TemporaryError{Msg: fmt.Sprintf("tenant %q is not in the configuration", tenant)}
		}
		tenant = id
	case dir.Len() == 1:
		tenant = dir.Tenants()[0]
	default:
		owner, _, ok := dir.Owner(d)
		if !ok {
			return "", false, "no tenant accepts " + d.String(), nil
		}
		tenant = owner
	}
	table, ok := dir.OutboundTable(tenant)
	if !ok {
		return "", false, "", &TemporaryError{Msg: fmt.Sprintf("tenant %q has no outbound table", tenant)}
	}
	sel := table.Select(d)
	c := sel.Connector()
	if c == nil {
		return "", false, "tenant " + tenant + ": no outbound connector for " + d.String(), nil
	}
	value, err = m.nextHop(c, tenant, log)
	if err != nil {
		return "", false, "", err
	}
	return value, true, "tenant " + tenant + ": " + sel.String(), nil
}

// nextHop writes the transport_maps value for connector c.
func (m *TransportMap) nextHop(c *connector.Outbound, tenant string, log *slog.Logger) (string, error) {
	return nextHop(c, m.Transport, m.Port, tenant, log)
}

// nextHop writes "transport:nexthop" for connector c: "smtp:" for
// UseMXRecord, else "smtp:[h1]:port, [h2]:port". transport "" means
// "smtp", port 0 means 25.
func nextHop(c *connector.Outbound, transport string, port int, tenant string, log *slog.Logger) (string, error) {
	if transport == "" {
		transport = "smtp"
	}
	if c.UseMXRecord {
		return transport + ":", nil
	}
	if port == 0 {
		port = 25
	}
	var b strings.Builder
	b.WriteString(transport)
	b.WriteByte(':')
	n := 0
	for _, h := range c.SmartHosts {
		host, ok := smartHostName(h)
		if !ok {
			log.Warn("smart host is a range, not a next hop; left out", "tenant", tenant, "connector", c.Name, "smart_host", h.String())
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('[')
		b.WriteString(host)
		b.WriteString("]:")
		b.WriteString(strconv.Itoa(port))
		n++
	}
	if n == 0 {
		return "", &TemporaryError{Msg: fmt.Sprintf("tenant %q connector %q has no smart host usable as a next hop", tenant, c.Name)}
	}
	return b.String(), nil
}

// smartHostName is a smart host as a next hop: a name or an address;
// false for a range.
func smartHostName(h connector.SmartHost) (string, bool) {
	if name, ok := h.Name(); ok {
		return name.String(), true
	}
	if a, ok := h.Addr(); ok {
		return a.String(), true
	}
	return "", false
}

// keyDomain returns the domain of a lookup key: an address, or a bare
// domain.
func keyDomain(key string) (domain.Name, error) {
	if strings.ContainsRune(key, '@') || strings.HasPrefix(key, "<") {
		return domain.FromAddress(key)
	}
	if _, err := netip.ParseAddr(strings.Trim(key, "[]")); err == nil {
		return domain.Name{}, fmt.Errorf("%q is an address, not a domain", key)
	}
	return domain.Parse(key)
}
