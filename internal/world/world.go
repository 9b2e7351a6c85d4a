// Package world generates realistic multi-tenant mailflow configurations
// of any size: tenants with accepted domains (some with MatchSubDomains),
// hybrid OnPremises connectors by certificate and by IP, Partner connectors
// with exact and wildcard patterns, smart hosts, and session pools that
// reach every attribution step. The benchmarks measure these worlds, and
// "mailflow gen-world" writes them as configuration files, so that anyone
// can reproduce the numbers with the same data.
//
// Every world is a pure function of its size and seed: tenant i is
// generated from a PCG stream seeded with (seed, i) alone, so the world of
// 1,000 tenants is the first 1,000 tenants of the world of 1,000,000, and
// two runs measure the same data.
package world

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Seed is the fixed seed of every generated world and query pool.
const Seed uint64 = 0x6d61696c666c6f77 // "mailflow"

// MaxTenants is the largest world [Generate] builds: each tenant's IP blocks
// come from a bijection on 20 bits, so that no two tenants share an address.
const MaxTenants = 1 << 20

// words are the first parts of generated organisation names.
var words = []string{
	"contoso", "fabrikam", "northwind", "tailspin", "adatum", "litware",
	"wingtip", "proseware", "woodgrove", "alpineski", "cohowinery",
	"fourthcoffee", "lucernepub", "margiestravel", "relecloud",
	"wideworldimporters", "adventureworks", "blueyonder", "cpandl",
	"humongous", "graphicdesign", "treyresearch", "vanarsdel", "lamnahealth",
	"munsonspickles", "bellowscollege", "southridge", "consolidated",
	"northridge", "fineartschool", "firstup", "schoolofart", "tasmanian",
}

// tld is a top-level or public suffix and its weight.
type tld struct {
	suffix string
	weight int
}

// tlds mix single-label TLDs with multi-label public suffixes (co.uk,
// com.au, co.jp …): the registrable domain is always one label more than
// the suffix, so it is never itself a public suffix.
var tlds = []tld{
	{"com", 38}, {"net", 7}, {"org", 6}, {"de", 6}, {"fr", 4}, {"nl", 3},
	{"io", 3}, {"ch", 2}, {"co.uk", 8}, {"org.uk", 2}, {"com.au", 5},
	{"net.au", 1}, {"co.jp", 4}, {"ne.jp", 1}, {"co.nz", 2}, {"com.br", 3},
	{"co.za", 2}, {"com.mx", 2}, {"com.sg", 1},
}

var tldTotal = func() int {
	t := 0
	for _, x := range tlds {
		t += x.weight
	}
	return t
}()

func pickTLD(r *rand.Rand) string {
	k := r.IntN(tldTotal)
	for _, x := range tlds {
		if k < x.weight {
			return x.suffix
		}
		k -= x.weight
	}
	panic("unreachable")
}

// subLabels name subdomains and hosts.
var subLabels = []string{"sales", "eu", "us", "apac", "mail", "corp", "hr", "it", "ops", "lab"}
var hostLabels = []string{"mail", "smtp", "mx1", "mx2", "hybrid", "exch01", "relay", "edge"}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func mustName(s string) domain.Name {
	n, err := domain.Parse(s)
	if err != nil {
		panic(fmt.Sprintf("world: generated bad name %q: %v", s, err))
	}
	return n
}

func id36(i int) string { return strconv.FormatUint(uint64(i), 36) }

// World is a generated multi-tenant configuration.
type World struct {
	// Tenants are the tenants, ready for attribution.NewDirectory.
	Tenants []attribution.Tenant
	// Info says, for each tenant, what a session needs to reach it.
	Info []TenantInfo
}

// TenantInfo records what sessions of a tenant's own servers look like.
type TenantInfo struct {
	// CertHost is a host name on the certificate of the tenant's
	// on-premises servers: its OnPremises inbound connector matches it, and
	// it proves one of the tenant's accepted domains. Zero when the tenant
	// has no certificate-based OnPremises connector.
	CertHost domain.Name
	// OnPremIP is an address the tenant's OnPremises inbound connector
	// admits by IP; invalid when the tenant has no IP-based one.
	OnPremIP netip.Addr
	// OnPremTLS says that connector requires TLS.
	OnPremTLS bool
}

// Stats counts what a world holds.
type Stats struct {
	Tenants            int
	AcceptedDomains    int // of which MatchSubDomains:
	MatchSubDomains    int
	OutboundConnectors int
	RecipientPatterns  int // RecipientDomains entries: exact + wildcard + any
	Exact, Wildcard    int
	Any                int // "*" entries
	AllAccepted        int // AllAcceptedDomains connectors
	InboundConnectors  int
	CertNames          int // TlsSenderCertificateName set
	IPPrefixes         int // SenderIPAddresses entries (IPv4 and IPv6)
	IPv6Prefixes       int
}

// Indexed is the number of names and patterns a directory indexes:
// accepted domains, recipient domain patterns, certificate names and IP
// prefixes. It is the denominator of the memory target.
func (s Stats) Indexed() int {
	return s.AcceptedDomains + s.RecipientPatterns + s.CertNames + s.IPPrefixes
}

// Stats counts the world's contents.
func (w *World) Stats() Stats {
	s := Stats{Tenants: len(w.Tenants)}
	for i := range w.Tenants {
		t := &w.Tenants[i]
		s.AcceptedDomains += len(t.AcceptedDomains)
		for _, a := range t.AcceptedDomains {
			if a.MatchSubDomains {
				s.MatchSubDomains++
			}
		}
		s.OutboundConnectors += len(t.OutboundConnectors)
		for _, c := range t.OutboundConnectors {
			if c.AllAcceptedDomains {
				s.AllAccepted++
			}
			for _, p := range c.RecipientDomains {
				s.RecipientPatterns++
				switch p.Kind() {
				case domain.Exact:
					s.Exact++
				case domain.Wildcard:
					s.Wildcard++
				case domain.Any:
					s.Any++
				}
			}
		}
		s.InboundConnectors += len(t.InboundConnectors)
		for _, c := range t.InboundConnectors {
			if c.TlsSenderCertificateName.IsValid() {
				s.CertNames++
			}
			s.IPPrefixes += len(c.SenderIPAddresses)
			for _, p := range c.SenderIPAddresses {
				if !p.Addr().Is4() {
					s.IPv6Prefixes++
				}
			}
		}
	}
	return s
}

// Generate returns the world of n tenants (0 ≤ n ≤ [MaxTenants]).
//
// Each tenant has 1–5 accepted domains over mixed TLDs (its organisation
// name under one or two suffixes, a subdomain of it, its
// <org>.onmicrosoft.com), one in ten with an InternalRelay domain that
// matches subdomains. About 45% are hybrid: an OnPremises outbound connector
// (all accepted domains, or their names as exact and wildcard patterns, or
// for one in twenty "*" with RouteAllMessagesViaOnPremises) and an
// OnPremises inbound connector by certificate (*.domain, or a host name),
// by IPv4 address or /24–/28 prefix, by IPv6 /48–/64 prefix, or both
// certificate and IP. About 19% relay devices through an IP-based
// OnPremises inbound connector only. 60% have 1–3 Partner outbound
// connectors listing 1–3 partner domains (exact, wildcard, some wildcards a
// level deeper), one in ten a Partner "*" smart host connector, and one in
// five a Partner inbound connector restricted to an IP, to a certificate,
// or plain. One in ten rejects direct send.
//
// Tenant 0 is always hybrid by certificate and tenant 1 always relays by
// IP, so that every world with two tenants has sessions of every kind.
// Addresses and certificate names are unique per tenant: no IP is shared.
func Generate(n int) *World { return GenerateSeed(n, Seed) }

// GenerateSeed returns the world of n tenants for seed, as [Generate]
// does for [Seed].
func GenerateSeed(n int, seed uint64) *World {
	if n < 0 || n > MaxTenants {
		panic(fmt.Sprintf("world: Generate(%d): want 0 … %d tenants", n, MaxTenants))
	}
	w := &World{Tenants: make([]attribution.Tenant, n), Info: make([]TenantInfo, n)}
	g := NewGenerator(seed)
	for i := range n {
		w.Tenants[i], w.Info[i] = g.Tenant(i)
	}
	return w
}

// Generator makes the tenants of the worlds of one seed one at a time, for
// callers that write a large world out without holding it: Tenant(i) is
// tenant i of GenerateSeed(n, seed) for every n > i. A Generator is not
// safe for concurrent use.
type Generator struct {
	seed uint64
	pcg  *rand.PCG
	r    *rand.Rand
}

// NewGenerator returns the generator of the worlds of seed.
func NewGenerator(seed uint64) *Generator {
	pcg := rand.NewPCG(0, 0)
	return &Generator{seed: seed, pcg: pcg, r: rand.New(pcg)}
}

// Tenant returns tenant i (0 ≤ i < [MaxTenants]) and what its sessions
// look like.
func (g *Generator) Tenant(i int) (attribution.Tenant, TenantInfo) {
	if i < 0 || i >= MaxTenants {
		panic(fmt.Sprintf("world: Tenant(%d): want 0 … %d", i, MaxTenants-1))
	}
	g.pcg.Seed(g.seed, uint64(i))
	return genTenant(i, g.r)
}

// block returns tenant i's 20-bit block number: a bijection of i, so that
// neighbouring tenants get scattered address blocks.
func block(i int) uint32 { return (uint32(i)*0x9E3779B1 + 0x7F4A7C15) & (MaxTenants - 1) }

// onPremV4 returns the /24 of tenant i's own servers, in 20.0.0.0/4 … a
// range no other tenant uses: 20.0.0.0 – 35.255.255.255.
func onPremV4(i int) [4]byte {
	a := 20<<24 + block(i)<<8
	return [4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), 0}
}

// partnerV4 returns the /24 of tenant i's partner: 36.0.0.0 – 51.255.255.255.
func partnerV4(i int) [4]byte {
	a := 36<<24 + block(i)<<8
	return [4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), 0}
}

// onPremV6 returns the /48 of tenant i's own servers: 2a01:0bbb:bb00::/48
// with the block in bits 16–40.
func onPremV6(i int) [16]byte {
	b := block(i)
	return [16]byte{0x2a, 0x01, byte(b >> 16), byte(b >> 8), byte(b), 0}
}

// ExternalIP returns the k-th address of the internet at large, admitted by
// no connector of any generated world (52.0.0.0 – 99.255.255.255).
func ExternalIP(k uint32) netip.Addr {
	a := 52<<24 + k%(48<<24)
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
}

// ExternalDomain returns the k-th domain of the internet at large, owned by
// no tenant: its first label holds a hyphen, which no generated tenant or
// partner name does in that position.
func ExternalDomain(k uint32) domain.Name {
	return mustName("ext-" + strconv.FormatUint(uint64(k), 36) + "." + tlds[int(k)%len(tlds)].suffix)
}

func genTenant(i int, r *rand.Rand) (attribution.Tenant, TenantInfo) {
	var info TenantInfo
	org := pick(r, words) + id36(i)
	t := attribution.Tenant{ID: "t" + id36(i), RejectDirectSend: r.IntN(10) == 0}

	// Accepted domains: the primary, then others in a realistic order.
	suffix := pickTLD(r)
	primary := mustName(org + "." + suffix)
	k := 1 + weighted(r, 35, 30, 20, 10, 5)
	names := []domain.Name{primary}
	for _, cand := range []func() string{
		func() string { return org + ".onmicrosoft.com" },
		func() string {
			s := pickTLD(r)
			if s == suffix {
				s = "net"
				if suffix == "net" {
					s = "org"
				}
			}
			return org + "." + s
		},
		func() string { return pick(r, subLabels) + "." + primary.String() },
		func() string { return org + pick(r, words) + "." + pickTLD(r) },
	} {
		if len(names) == k {
			break
		}
		names = append(names, mustName(cand()))
	}
	for _, nm := range names {
		t.AcceptedDomains = append(t.AcceptedDomains, domain.AcceptedDomain{Name: nm})
	}
	if r.IntN(10) == 0 {
		// One domain relays to another system, subdomains included.
		a := &t.AcceptedDomains[r.IntN(len(t.AcceptedDomains))]
		a.Type, a.MatchSubDomains = domain.InternalRelay, true
	}

	hybrid := i == 0 || (i != 1 && r.IntN(100) < 45)
	relayOnly := i == 1 || (!hybrid && r.IntN(100) < 35)
	central := false

	// Outbound.
	if hybrid {
		c := connector.NewOutbound("To on-premises")
		c.ConnectorType = connector.OnPremises
		c.UseMXRecord = false
		c.SmartHosts = []connector.SmartHost{connector.SmartHostName(mustName("mail." + primary.String()))}
		switch x := r.IntN(100); {
		case x < 5:
			central = true
			c.RecipientDomains = []domain.Pattern{domain.AnyPattern()}
			c.RouteAllMessagesViaOnPremises = true
		case x < 70:
			c.AllAcceptedDomains = true
		default:
			for j, a := range t.AcceptedDomains {
				if j == 0 && r.IntN(3) == 0 {
					c.RecipientDomains = append(c.RecipientDomains, domain.WildcardPattern(a.Name))
				} else {
					c.RecipientDomains = append(c.RecipientDomains, domain.ExactPattern(a.Name))
				}
			}
		}
		t.OutboundConnectors = append(t.OutboundConnectors, c)
	}
	for j := range weighted(r, 40, 35, 15, 10) {
		c := connector.NewOutbound("To partner " + strconv.Itoa(j+1))
		c.TlsSettings = connector.EncryptionOnly
		for p := range 1 + weighted(r, 60, 30, 10) {
			partner := mustName(pick(r, words) + id36(i) + "-p" + strconv.Itoa(j) + strconv.Itoa(p) + "." + pickTLD(r))
			switch x := r.IntN(100); {
			case x < 55:
				c.RecipientDomains = append(c.RecipientDomains, domain.ExactPattern(partner))
			case x < 90:
				c.RecipientDomains = append(c.RecipientDomains, domain.WildcardPattern(partner))
			default:
				c.RecipientDomains = append(c.RecipientDomains, domain.WildcardPattern(mustName(pick(r, subLabels)+"."+partner.String())))
			}
		}
		t.OutboundConnectors = append(t.OutboundConnectors, c)
	}
	if !central && r.IntN(10) == 0 {
		c := connector.NewOutbound("Smart host")
		c.UseMXRecord = false
		c.SmartHosts = []connector.SmartHost{connector.SmartHostName(mustName("outbound." + pick(r, words) + "-filter.com"))}
		c.RecipientDomains = []domain.Pattern{domain.AnyPattern()}
		t.OutboundConnectors = append(t.OutboundConnectors, c)
	}

	// Inbound: the tenant's own servers.
	if hybrid || relayOnly {
		c := connector.NewInbound("From on-premises")
		if relayOnly {
			c.Name = "Relay for devices"
		}
		c.ConnectorType = connector.OnPremises
		mode := r.IntN(100)
		if i == 0 {
			mode = 0
		}
		useCert := hybrid && (mode < 62 || mode >= 92)
		useIP := relayOnly || mode >= 62
		if useCert {
			certDom := primary
			if len(names) > 1 && r.IntN(5) == 0 {
				certDom = names[1+r.IntN(len(names)-1)]
			}
			if mode >= 55 && mode < 62 {
				// A host name rather than *.domain (the lint's
				// hostname-certificate-name).
				info.CertHost = mustName("mail." + certDom.String())
				c.TlsSenderCertificateName = domain.ExactPattern(info.CertHost)
			} else {
				info.CertHost = mustName(pick(r, hostLabels) + "." + certDom.String())
				c.TlsSenderCertificateName = domain.WildcardPattern(certDom)
			}
			c.RequireTls = true
		}
		if useIP {
			b4, b6 := onPremV4(i), onPremV6(i)
			switch x := r.IntN(100); {
			case x < 65: // one address
				b4[3] = byte(1 + r.IntN(254))
				info.OnPremIP = netip.AddrFrom4(b4)
				c.SenderIPAddresses = []netip.Prefix{netip.PrefixFrom(info.OnPremIP, 32)}
			case x < 85: // a /24 … /28
				bits := 24 + r.IntN(5)
				b4[3] = byte(r.IntN(256)) &^ byte(0xff>>(bits-24))
				p := netip.PrefixFrom(netip.AddrFrom4(b4), bits)
				b4[3] |= byte(r.IntN(1<<(32-bits))) | 1
				info.OnPremIP = netip.AddrFrom4(b4)
				c.SenderIPAddresses = []netip.Prefix{p}
			default: // IPv6, /48 … /64
				bits := 48 + 8*r.IntN(3)
				b6[6] = byte(r.IntN(256))
				b6[7] = byte(r.IntN(256))
				p, _ := netip.AddrFrom16(b6).Prefix(bits)
				b6[15] = byte(1 + r.IntN(254))
				info.OnPremIP = netip.AddrFrom16(b6)
				c.SenderIPAddresses = []netip.Prefix{p}
			}
			if r.IntN(10) < 3 {
				c.RequireTls = true
			}
			info.OnPremTLS = c.RequireTls
		}
		t.InboundConnectors = append(t.InboundConnectors, c)
	}

	// Inbound: a partner.
	if r.IntN(5) == 0 {
		c := connector.NewInbound("From partner")
		partner := mustName(pick(r, words) + id36(i) + "-in." + pickTLD(r))
		c.SenderDomains = []domain.Pattern{domain.WildcardPattern(partner)}
		switch x := r.IntN(100); {
		case x < 50:
			b4 := partnerV4(i)
			bits := 29 + r.IntN(4)
			c.SenderIPAddresses = []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4(b4), bits)}
			c.RestrictDomainsToIPAddresses = true
		case x < 80:
			c.TlsSenderCertificateName = domain.WildcardPattern(partner)
			c.RestrictDomainsToCertificate = true
			c.RequireTls = true
		default:
			c.RequireTls = r.IntN(2) == 0
		}
		t.InboundConnectors = append(t.InboundConnectors, c)
	}
	return t, info
}

// weighted returns k with probability weights[k] / sum(weights).
func weighted(r *rand.Rand, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.IntN(total)
	for k, w := range weights {
		if x < w {
			return k
		}
		x -= w
	}
	return len(weights) - 1
}

// SessionKind is the kind of SMTP session a pool holds.
type SessionKind int

// The session kinds, each decided at a different step of attribution.
const (
	// CertSession: a tenant's on-premises server presents its certificate
	// (from an address no connector lists) and relays to the internet;
	// attributed at step 1, by certificate.
	CertSession SessionKind = iota
	// MailFromSession: a device behind a tenant's IP-based OnPremises
	// connector sends as the tenant to the internet; step 2, MAIL FROM.
	MailFromSession
	// RcptToSession: a null-sender message (an NDR) from a tenant's IP to
	// one of its own recipients; step 3, RCPT TO.
	RcptToSession
	// AnonymousSession: internet mail to a tenant's recipient, matching no
	// connector.
	AnonymousSession
)

// SessionKinds lists the kinds in order.
var SessionKinds = []SessionKind{CertSession, MailFromSession, RcptToSession, AnonymousSession}

// String returns "certificate", "mail-from", "rcpt-to" or "anonymous".
func (k SessionKind) String() string {
	return [...]string{"certificate", "mail-from", "rcpt-to", "anonymous"}[k]
}

// Sessions returns size parsed sessions of kind k, over tenants drawn at
// random (fixed seed) among those that can send them. Each has one
// recipient. It returns nil when no tenant of the world can.
func (w *World) Sessions(k SessionKind, size int) []*attribution.Session {
	var eligible []int
	for i, inf := range w.Info {
		switch k {
		case CertSession:
			if inf.CertHost.IsValid() {
				eligible = append(eligible, i)
			}
		case MailFromSession, RcptToSession:
			if inf.OnPremIP.IsValid() {
				eligible = append(eligible, i)
			}
		default:
			eligible = append(eligible, i)
		}
	}
	if len(eligible) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(Seed, 1000+uint64(k)))
	out := make([]*attribution.Session, size)
	for j := range out {
		i := eligible[r.IntN(len(eligible))]
		t, inf := &w.Tenants[i], &w.Info[i]
		own := t.AcceptedDomains[r.IntN(len(t.AcceptedDomains))].Name
		ext := ExternalDomain(r.Uint32())
		s := &attribution.Session{Port: 25}
		switch k {
		case CertSession:
			names, err := certmatch.ParseNames(inf.CertHost.String(), "autodiscover."+t.AcceptedDomains[0].Name.String())
			if err != nil {
				panic(err)
			}
			s.ClientIP, s.TLSVersion, s.Certificate = ExternalIP(r.Uint32()), 0x0304, names
			s.MailFrom = attribution.ParseAddress("user" + strconv.Itoa(j) + "@" + t.AcceptedDomains[0].Name.String())
			s.RcptTo = []attribution.Address{attribution.ParseAddress("<someone@" + ext.String() + ">")}
		case MailFromSession:
			s.ClientIP = inf.OnPremIP
			if inf.OnPremTLS {
				s.TLSVersion = 0x0303
			}
			s.MailFrom = attribution.ParseAddress("<scanner@" + own.String() + ">")
			s.RcptTo = []attribution.Address{attribution.ParseAddress("someone@" + ext.String())}
		case RcptToSession:
			s.ClientIP = inf.OnPremIP
			if inf.OnPremTLS {
				s.TLSVersion = 0x0303
			}
			s.MailFrom = attribution.ParseAddress("<>")
			s.RcptTo = []attribution.Address{attribution.ParseAddress("<user" + strconv.Itoa(j) + "@" + own.String() + ">")}
		case AnonymousSession:
			s.ClientIP, s.TLSVersion = ExternalIP(r.Uint32()), 0x0303
			s.MailFrom = attribution.ParseAddress("<newsletter@" + ext.String() + ">")
			s.RcptTo = []attribution.Address{attribution.ParseAddress("user" + strconv.Itoa(j) + "@" + own.String())}
		}
		out[j] = s
	}
	return out
}

// MixedSessions returns size sessions cycling through the four kinds, a
// quarter each (the kinds a world cannot send are left out).
func (w *World) MixedSessions(size int) []*attribution.Session {
	var pools [][]*attribution.Session
	for _, k := range SessionKinds {
		if p := w.Sessions(k, size); p != nil {
			pools = append(pools, p)
		}
	}
	if len(pools) == 0 {
		return nil
	}
	out := make([]*attribution.Session, size)
	for j := range out {
		out[j] = pools[j%len(pools)][j/len(pools)]
	}
	return out
}
