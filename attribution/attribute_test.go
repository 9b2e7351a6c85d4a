package attribution

import (
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

func TestNoAllocs(t *testing.T) {
	c := contoso()
	c.InboundConnectors = append(c.InboundConnectors, onPremByIP("Printers", "203.0.113.77"))
	d := mustDirectory(t, c, fourthCoffee())
	for _, s := range []session{
		{ip: "203.0.113.5", cert: []string{"mail.contoso.com"}, mailFrom: "<>", rcpt: []string{"sun@internet.example", "bob@contoso.com"}},
		{ip: "203.0.113.10", mailFrom: "x@partner.example", rcpt: []string{"sun@internet.example", "ann@fourthcoffee.com"}},
		{ip: "198.51.100.7", mailFrom: "sun@internet.example", rcpt: []string{"bob@contoso.com", "x@nowhere.example"}},
		{ip: "198.51.100.7", port: 587, tls: tls.VersionTLS13, auth: "scanner@contoso.com", mailFrom: "sales@contoso.com", rcpt: []string{"sun@internet.example"}},
	} {
		sess := s.build(t)
		var r Result
		d.AttributeTo(sess, &r) // warm the reused slices
		allocs := testing.AllocsPerRun(200, func() { d.AttributeTo(sess, &r) })
		assert.Zero(t, allocs, "AttributeTo %+v", s)
	}
}

func TestHolderSwapUnderLoad(t *testing.T) {
	// Two versions of the world: in v1 fourthcoffee's IP connector
	// exists, in v2 it moved to another IP. Readers must always see one
	// complete version.
	v1 := mustDirectory(t, contoso(), fourthCoffee())
	moved := fourthCoffee()
	moved.InboundConnectors = []connector.Inbound{onPremByIP("Fourth Coffee servers", "203.0.113.11")}
	v2 := mustDirectory(t, contoso(), moved)
	h := NewHolder(v1)
	s := session{ip: "203.0.113.10", mailFrom: "ann@fourthcoffee.com", rcpt: []string{"sun@internet.example"}}.build(t)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var seen [2]atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r Result
			for !stop.Load() {
				h.Load().AttributeTo(s, &r)
				switch r.Recipients[0].Reply {
				case ReplyOK: // v1: relayed through the connector
					seen[0].Add(1)
				case ReplyTenantAttribution: // v2: the IP no longer matches
					seen[1].Add(1)
				default:
					t.Errorf("inconsistent result %+v", r)
					return
				}
			}
		}()
	}
	// Swap until the readers have seen both versions a good number of
	// times (bounded, in case they never do).
	for i := 0; i < 1_000_000 && (seen[0].Load() < 100 || seen[1].Load() < 100); i++ {
		if i%2 == 0 {
			h.Store(v2)
		} else {
			h.Store(v1)
		}
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	assert.GreaterOrEqual(t, seen[0].Load(), int64(100), "readers saw the first version")
	assert.GreaterOrEqual(t, seen[1].Load(), int64(100), "readers saw the second version")

	var zero Holder
	assert.Equal(t, Anonymous, zero.Load().Attribute(s).Path, "the zero Holder holds an empty Directory")
	assert.Equal(t, ReplyUnableToRelay, zero.Load().Attribute(s).Recipients[0].Reply)
}

func TestNewDirectoryErrors(t *testing.T) {
	dup := contoso()
	dup.ID = "contoso-2"
	dup.AcceptedDomains = accepted("fabrikam.com", "Fabrikam.COM")
	bad := Tenant{ID: "bad", AcceptedDomains: []domain.AcceptedDomain{{Name: domain.MustParse("co.uk")}},
		InboundConnectors: []connector.Inbound{{Name: "No identity", Enabled: true, ConnectorType: connector.OnPremises, SenderDomains: patterns("*")}}}
	routeAll := fourthCoffee()
	routeAll.ID = "routeall"
	routeAll.AcceptedDomains = accepted("routeall.example")
	routeAll.InboundConnectors = []connector.Inbound{connector.NewInbound("Partner only")}
	routeAll.InboundConnectors[0].AssociatedAcceptedDomains = []domain.Name{domain.MustParse("elsewhere.example")}
	routeAll.OutboundConnectors[0].RouteAllMessagesViaOnPremises = true
	_, err := NewDirectory([]Tenant{contoso(), dup, bad, {ID: "contoso"}, routeAll})
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`accepted domain fabrikam.com of tenant "contoso-2" (AcceptedDomains[0]) conflicts with fabrikam.com of tenant "contoso" (AcceptedDomains[2]): both tenants accept fabrikam.com; a name is owned by one tenant only`,
		`tenant "contoso-2" AcceptedDomains[1].DomainName: accepted domain fabrikam.com is listed twice`,
		`tenant "bad" AcceptedDomains[0].DomainName: bad accepted domain "co.uk": a public suffix cannot be an accepted domain`,
		`tenant "bad" InboundConnectors[0].SenderIPAddresses (connector "No identity"): an OnPremises connector must identify its senders`,
		`tenant "contoso" Id: duplicate tenant ID: Tenants[0] is "contoso" (IDs are compared ignoring case)`,
		`tenant "routeall" OutboundConnectors[0].RouteAllMessagesViaOnPremises (connector "To on-premises"): routes all mail via on-premises, which needs an enabled OnPremises inbound connector in the tenant`,
		`tenant "routeall" InboundConnectors[0].AssociatedAcceptedDomains[0] (connector "Partner only"): elsewhere.example is not an accepted domain of the tenant`,
	} {
		assert.Contains(t, msg, want)
	}
}

// refOwner is the linear reference for accepted-domain ownership.
func refOwner(tenants []Tenant, n domain.Name) (string, bool) {
	best, bestSpec := "", -1
	for _, t := range tenants {
		for _, a := range t.AcceptedDomains {
			if a.Covers(n) && a.Pattern().Specificity() > bestSpec {
				best, bestSpec = t.ID, a.Pattern().Specificity()
			}
		}
	}
	return best, bestSpec >= 0
}

// refIPConnectors is the linear reference for the IP index: every enabled
// connector with a prefix containing ip.
func refIPConnectors(tenants []Tenant, ip netip.Addr) map[string]bool {
	out := map[string]bool{}
	for _, t := range tenants {
		for _, c := range t.InboundConnectors {
			for _, p := range c.SenderIPAddresses {
				if c.Enabled && p.Contains(ip) {
					out[t.ID+"/"+c.Name] = true
				}
			}
		}
	}
	return out
}

func TestIndexesDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	labels := []string{"a", "b", "ab", "x", "mail", "sub"}
	randName := func() string {
		s := labels[r.IntN(len(labels))]
		for range r.IntN(3) {
			s = labels[r.IntN(len(labels))] + "." + s
		}
		return s + ".example"
	}
	for round := range 100 {
		var tenants []Tenant
		used := map[string]bool{}
		for ti := range 1 + r.IntN(8) {
			t := Tenant{ID: fmt.Sprint("t", ti)}
			for range 1 + r.IntN(3) {
				n := randName()
				if used[n] {
					continue
				}
				a := domain.AcceptedDomain{Name: domain.MustParse(n)}
				if r.IntN(4) == 0 {
					a.Type, a.MatchSubDomains = domain.InternalRelay, true
				}
				if ownedElsewhere(tenants, a) { // a valid directory: one owner per name
					continue
				}
				used[n] = true
				t.AcceptedDomains = append(t.AcceptedDomains, a)
			}
			for ci := range r.IntN(3) {
				var ips []string
				for range 1 + r.IntN(3) {
					bits := []int{16, 24, 28, 32}[r.IntN(4)]
					ips = append(ips, fmt.Sprintf("10.%d.%d.%d/%d", r.IntN(2), r.IntN(4), r.IntN(256), bits))
				}
				c := onPremByIP(fmt.Sprint("c", ci), ips...)
				c.Enabled = r.IntN(5) != 0
				t.InboundConnectors = append(t.InboundConnectors, c)
			}
			tenants = append(tenants, t)
		}
		d, err := NewDirectory(tenants)
		require.NoError(t, err, "round %d", round)
		for range 100 {
			n := domain.MustParse(randName())
			want, wantOK := refOwner(tenants, n)
			got, _, ok := d.Owner(n)
			require.Equal(t, wantOK, ok, "round %d owner of %s", round, n)
			require.Equal(t, want, got, "round %d owner of %s", round, n)

			ip := netip.AddrFrom4([4]byte{10, byte(r.IntN(2)), byte(r.IntN(4)), byte(r.IntN(256))})
			gotConns := map[string]bool{}
			if refs, ok := d.ips.Lookup(ip); ok {
				for _, ref := range refs {
					gotConns[d.rec(ref.tenant).ID+"/"+d.conn(ref).Name] = true
				}
			}
			require.Equal(t, refIPConnectors(tenants, ip), gotConns, "round %d connectors for %s", round, ip)
		}
	}
}

// FuzzAttribute attributes random sessions against a fixed directory: no
// panic, and every recipient gets exactly one decision with a reply.
func FuzzAttribute(f *testing.F) {
	c := contoso()
	c.InboundConnectors = append(c.InboundConnectors, onPremByIP("Printers", "203.0.113.77"))
	p := connector.NewInbound("Partner")
	p.SenderDomains = patterns("partner.example")
	p.SenderIPAddresses = prefixes("198.51.100.0/24")
	p.RestrictDomainsToIPAddresses = true
	c.InboundConnectors = append(c.InboundConnectors, p)
	c.RejectDirectSend = true
	d, err := NewDirectory([]Tenant{c, fourthCoffee()})
	require.NoError(f, err)

	f.Add("203.0.113.5", uint16(25), uint16(tls.VersionTLS12), "mail.contoso.com", "", "<>", "sun@internet.example", "bob@contoso.com")
	f.Add("198.51.100.7", uint16(587), uint16(tls.VersionTLS13), "", "printer@contoso.com", "printer@contoso.com", "x@y.example", "")
	f.Add("::1", uint16(25), uint16(0), "*.contoso.com", "", "x@partner.example", "bob@contoso.com", "<>")
	f.Add("", uint16(465), uint16(1), "bad..name", "bad", "\"a@b\"@contoso.com", "[1.2.3.4]", "@a,@b:c@d.example")
	f.Fuzz(func(t *testing.T, ip string, port, tlsv uint16, cert, auth, from, rcpt1, rcpt2 string) {
		s := &Session{Port: int(port), TLSVersion: tlsv, MailFrom: ParseAddress(from), RcptTo: ParseAddresses(rcpt1, rcpt2)}
		s.ClientIP, _ = netip.ParseAddr(ip)
		if auth != "" {
			s.AuthUser = ParseAddress(auth)
		}
		if names, err := parseCertNames(cert); err == nil {
			s.Certificate = names
		}
		r := d.Explain(s)
		if len(r.Recipients) != 2 {
			t.Fatalf("%d decisions for 2 recipients", len(r.Recipients))
		}
		for _, rr := range r.Recipients {
			if rr.Reply.IsZero() {
				t.Fatalf("recipient %q has no reply: %+v", rr.Address, r)
			}
			if (rr.Disposition == Reject) != (rr.Reply.Code >= 400) {
				t.Fatalf("recipient %q: disposition %s with reply %s", rr.Address, rr.Disposition, rr.Reply)
			}
		}
		if (r.Tenant == "") != (r.Basis == BasisNone) {
			t.Fatalf("tenant %q with basis %s", r.Tenant, r.Basis)
		}
	})
}
