package attribution

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// applyWorld draws small random tenants over a small name and address
// space, so that random changes often conflict.
type applyWorld struct {
	r *rand.Rand
}

var applyLabels = []string{"a", "b", "eu", "mail", "x"}

func (w applyWorld) name() string {
	s := applyLabels[w.r.IntN(len(applyLabels))] + ".example"
	for range w.r.IntN(3) {
		s = applyLabels[w.r.IntN(len(applyLabels))] + "." + s
	}
	return s
}

func (w applyWorld) ip() string {
	return fmt.Sprintf("10.%d.%d.%d", w.r.IntN(2), w.r.IntN(4), w.r.IntN(256))
}

// tenant draws tenant id: accepted domains, IP and certificate inbound
// connectors, an outbound connector, logins and SendAs grants.
func (w applyWorld) tenant(id string) Tenant {
	r := w.r
	t := Tenant{ID: id, RejectDirectSend: r.IntN(3) == 0}
	seen := map[string]bool{}
	for range 1 + r.IntN(3) {
		n := w.name()
		if seen[n] && r.IntN(4) != 0 {
			continue
		}
		seen[n] = true
		a := domain.AcceptedDomain{Name: domain.MustParse(n)}
		if r.IntN(4) == 0 {
			a.Type, a.MatchSubDomains = domain.InternalRelay, true
		}
		t.AcceptedDomains = append(t.AcceptedDomains, a)
	}
	for ci := range r.IntN(3) {
		var c connector.Inbound
		if r.IntN(3) == 0 {
			cert := w.name()
			if r.IntN(2) == 0 {
				cert = "*." + cert
			}
			c = onPremByCert(fmt.Sprint("cert", ci), cert)
		} else {
			var ips []string
			for range 1 + r.IntN(3) {
				ips = append(ips, fmt.Sprintf("%s/%d", w.ip(), []int{16, 24, 28, 32}[r.IntN(4)]))
			}
			c = onPremByIP(fmt.Sprint("ip", ci), ips...)
		}
		c.Enabled = r.IntN(5) != 0
		t.InboundConnectors = append(t.InboundConnectors, c)
	}
	if r.IntN(2) == 0 && len(t.AcceptedDomains) > 0 {
		o := connector.NewOutbound("out")
		o.ConnectorType = connector.Partner
		o.RecipientDomains = patterns("partner.example")
		t.OutboundConnectors = append(t.OutboundConnectors, o)
	}
	if r.IntN(3) == 0 && len(t.AcceptedDomains) > 0 {
		t.SubmissionLogins = append(t.SubmissionLogins, SubmissionLogin{
			Login:   []string{"scanner", "printer", "fax"}[r.IntN(3)],
			Mailbox: "dev@" + t.AcceptedDomains[0].Name.String(),
		})
	}
	if r.IntN(3) == 0 && len(t.AcceptedDomains) > 0 {
		d := t.AcceptedDomains[0].Name.String()
		t.SendAs = append(t.SendAs, SendAsGrant{Identity: "boss@" + d, Trustee: "pa@" + d})
	}
	return t
}

// session draws a session over the world's names and addresses.
func (w applyWorld) session() *Session {
	r := w.r
	s := &Session{Port: 25, MailFrom: ParseAddress("x@" + w.name()), RcptTo: ParseAddresses("y@"+w.name(), "z@"+w.name())}
	s.ClientIP = netip.MustParseAddr(w.ip())
	if r.IntN(2) == 0 {
		s.TLSVersion = tls.VersionTLS12
	}
	if r.IntN(3) == 0 {
		names, err := parseCertNames("mail." + w.name())
		if err == nil {
			s.Certificate = names
		}
	}
	switch r.IntN(6) {
	case 0:
		s.Port, s.AuthUser = 587, ParseAddress([]string{"scanner", "printer", "fax"}[r.IntN(3)])
	case 1:
		s.Port, s.AuthUser = 587, ParseAddress("pa@"+w.name())
		s.MailFrom = ParseAddress("boss@" + w.name())
	}
	return s
}

// applyModel applies changes to a list of tenants as Apply documents it:
// removed and replaced tenants leave their place, added and replaced
// ones go last, in order.
func applyModel(ts []Tenant, changes []TenantChange) []Tenant {
	out := slices.Clone(ts)
	for _, c := range changes {
		id := c.ID
		if id == "" && c.Tenant != nil {
			id = c.Tenant.ID
		}
		if id != "" {
			out = slices.DeleteFunc(out, func(t Tenant) bool { return strings.EqualFold(t.ID, id) })
		}
		if c.Tenant != nil {
			out = append(out, *c.Tenant)
		}
	}
	return out
}

// requireSameDirectory checks that got answers every query as want does.
func requireSameDirectory(t *testing.T, w applyWorld, want, got *Directory, msg string) {
	t.Helper()
	require.Equal(t, want.Tenants(), got.Tenants(), msg)
	require.Equal(t, want.Len(), got.Len(), msg)
	for _, id := range want.Tenants() {
		wt, _ := want.Tenant(id)
		gt, ok := got.Tenant(strings.ToUpper(id))
		require.True(t, ok, msg)
		require.Equal(t, wt, gt, msg)
	}
	_, ok := got.Tenant("no-such-tenant")
	require.False(t, ok, msg)
	require.Equal(t, Lint(want), Lint(got), msg+": Lint")
	for range 60 {
		n := domain.MustParse(w.name())
		wo, wp, wok := want.Owner(n)
		gox, gp, gok := got.Owner(n)
		require.Equal(t, []any{wo, wp, wok}, []any{gox, gp, gok}, "%s: Owner(%s)", msg, n)

		ip := netip.MustParseAddr(w.ip())
		require.Equal(t, ipConns(want, ip), ipConns(got, ip), "%s: connectors of %s", msg, ip)

		s := w.session()
		wr, gr := want.Explain(s), got.Explain(s)
		require.Equal(t, wr.Tenant, gr.Tenant, msg)
		require.Equal(t, wr.ConnectorName(), gr.ConnectorName(), msg)
		require.Equal(t, []any{wr.Path, wr.Basis, wr.Warnings}, []any{gr.Path, gr.Basis, gr.Warnings}, msg)
		require.Equal(t, wr.Recipients, gr.Recipients, msg)
		require.Equal(t, wr.Steps, gr.Steps, msg)
	}
}

// ipConns lists the connectors the IP index holds for ip, in order.
func ipConns(d *Directory, ip netip.Addr) []string {
	var out []string
	if d.ips == nil {
		return nil
	}
	if refs, ok := d.ips.Lookup(ip); ok {
		for _, ref := range refs {
			out = append(out, d.rec(ref.tenant).ID+"/"+d.conn(ref).Name)
		}
	}
	return out
}

// TestApplyDifferential applies random change sequences (fixed seed) and
// compares each result with NewDirectory of the final tenants: the same
// answer to every query when the change is accepted, the same errors
// when it is refused — and then the directory is left as it was.
func TestApplyDifferential(t *testing.T) {
	w := applyWorld{rand.New(rand.NewPCG(14, 14))}
	ids := []string{"t0", "t1", "t2", "t3", "t4", "t5", "T6", "t7"}
	accepted, refused := 0, 0
	for round := range 60 {
		d, err := NewDirectory(nil)
		require.NoError(t, err)
		var model []Tenant
		for step := range 25 {
			msg := fmt.Sprintf("round %d step %d", round, step)
			var changes []TenantChange
			for range 1 + w.r.IntN(3) {
				id := ids[w.r.IntN(len(ids))]
				switch k := w.r.IntN(10); {
				case k < 2: // remove
					changes = append(changes, TenantChange{ID: id})
				case k < 3: // rename
					nt := w.tenant(ids[w.r.IntN(len(ids))])
					changes = append(changes, TenantChange{ID: id, Tenant: &nt})
				default: // add or replace
					nt := w.tenant(id)
					if w.r.IntN(2) == 0 {
						changes = append(changes, TenantChange{ID: strings.ToUpper(id), Tenant: &nt})
					} else {
						changes = append(changes, TenantChange{Tenant: &nt})
					}
				}
			}
			final := applyModel(model, changes)
			want, wantErr := NewDirectory(final)
			got, gotErr := d.Apply(changes...)
			var ce *ChangeError
			if errors.As(gotErr, &ce) {
				require.ErrorIs(t, gotErr, ErrNoTenant, msg)
				refused++
				continue
			}
			if wantErr != nil {
				require.Error(t, gotErr, msg)
				require.Equal(t, wantErr.Error(), gotErr.Error(), msg)
				require.Equal(t, errorValues(wantErr), errorValues(gotErr), msg)
				require.Nil(t, got, msg)
				refused++
				continue
			}
			require.NoError(t, gotErr, msg)
			requireSameDirectory(t, w, want, got, msg)
			d, model = got, final
			accepted++
		}
		// The first snapshot of the round still answers as its own world.
	}
	t.Logf("%d changes accepted, %d refused", accepted, refused)
	require.Greater(t, accepted, 200)
	require.Greater(t, refused, 200)
}

// errorValues returns the joined errors as values, for comparison.
func errorValues(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestApplyOldSnapshots: a snapshot applied to again, not the newest of
// its line, still branches correctly, and every older snapshot keeps
// answering as its own world.
func TestApplyOldSnapshots(t *testing.T) {
	w := applyWorld{rand.New(rand.NewPCG(1, 2))}
	var worlds [][]Tenant
	var snaps []*Directory
	d, _ := NewDirectory(nil)
	var model []Tenant
	for i := 0; len(snaps) < 40 && i < 2000; i++ {
		nt := w.tenant(fmt.Sprint("t", w.r.IntN(chunkSize+40)))
		from := len(snaps) - 1
		if from >= 0 && w.r.IntN(5) == 0 {
			from = w.r.IntN(len(snaps)) // branch from an old snapshot
			d, model = snaps[from], worlds[from]
		}
		changes := []TenantChange{{Tenant: &nt}}
		got, err := d.Apply(changes...)
		if err != nil {
			continue
		}
		d, model = got, applyModel(model, changes)
		snaps, worlds = append(snaps, d), append(worlds, model)
	}
	for i, s := range snaps {
		want, err := NewDirectory(worlds[i])
		require.NoError(t, err)
		requireSameDirectory(t, w, want, s, fmt.Sprint("snapshot ", i))
	}
}

// TestApplyCases: each kind of change on a small directory, and the
// conflicts that refuse it.
func TestApplyCases(t *testing.T) {
	acc := func(n string, sub bool) domain.AcceptedDomain {
		a := domain.AcceptedDomain{Name: domain.MustParse(n)}
		if sub {
			a.Type, a.MatchSubDomains = domain.InternalRelay, true
		}
		return a
	}
	base := []Tenant{contoso(), fourthCoffee()}
	fab := Tenant{ID: "fabrikam", AcceptedDomains: []domain.AcceptedDomain{acc("fabrikam.example", true)},
		InboundConnectors: []connector.Inbound{onPremByIP("Fab", "198.51.100.0/24")}}
	d, err := NewDirectory(base)
	require.NoError(t, err)
	ct := contoso()
	ct.AcceptedDomains = append(ct.AcceptedDomains, acc("contoso.example", false))

	cases := []struct {
		name    string
		changes []TenantChange
		want    []Tenant // the final tenants; nil: refused
		errHas  []string
	}{
		{"add", []TenantChange{{Tenant: &fab}}, []Tenant{contoso(), fourthCoffee(), fab}, nil},
		{"remove", []TenantChange{{ID: "Contoso"}}, []Tenant{fourthCoffee()}, nil},
		{"replace", []TenantChange{{ID: "contoso", Tenant: &ct}}, []Tenant{fourthCoffee(), ct}, nil},
		{"rename", []TenantChange{{ID: "fourthcoffee", Tenant: &fab}}, []Tenant{contoso(), fab}, nil},
		{"add under an unknown ID", []TenantChange{{ID: "fabrikam-old", Tenant: &fab}}, []Tenant{contoso(), fourthCoffee(), fab}, nil},
		{"remove unknown", []TenantChange{{ID: "nobody"}}, nil, []string{`change #0 (tenant "nobody")`, "no such tenant"}},
		{"remove twice", []TenantChange{{ID: "contoso"}, {ID: "CONTOSO"}}, nil, []string{`change #1 (tenant "CONTOSO")`, "no such tenant"}},
		{"add then remove", []TenantChange{{Tenant: &fab}, {ID: "fabrikam"}}, []Tenant{contoso(), fourthCoffee()}, nil},
		{"domain of another tenant", []TenantChange{{Tenant: &Tenant{ID: "thief", AcceptedDomains: []domain.AcceptedDomain{acc("contoso.com", false)}}}},
			nil, []string{`contoso.com of tenant "thief"`, `of tenant "contoso"`}},
		{"wildcard over another tenant's names", []TenantChange{{Tenant: &Tenant{ID: "thief", AcceptedDomains: []domain.AcceptedDomain{acc("contoso.com", true)}}}},
			nil, []string{`contoso.com (MatchSubDomains) of tenant "thief"`, `sales.contoso.com of tenant "contoso"`}},
		{"name below another tenant's wildcard", []TenantChange{{Tenant: &fab}, {Tenant: &Tenant{ID: "thief", AcceptedDomains: []domain.AcceptedDomain{acc("eu.fabrikam.example", false)}}}},
			nil, []string{`eu.fabrikam.example of tenant "thief"`, `fabrikam.example (MatchSubDomains) of tenant "fabrikam"`}},
		{"login of another tenant", []TenantChange{{ID: "contoso", Tenant: func() *Tenant {
			t := contoso()
			t.SubmissionLogins = []SubmissionLogin{{Login: "scanner", Mailbox: "scan@contoso.com"}}
			return &t
		}()}, {Tenant: &Tenant{ID: "other", AcceptedDomains: accepted("other.example"), SubmissionLogins: []SubmissionLogin{{Login: "Scanner", Mailbox: "s@other.example"}}}}},
			nil, []string{`login "Scanner" is already a submission login of tenant "contoso"`}},
		{"duplicate ID by rename", []TenantChange{{ID: "contoso", Tenant: func() *Tenant { t := fourthCoffee(); return &t }()}},
			nil, []string{"duplicate tenant ID"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.Apply(c.changes...)
			if c.want == nil {
				require.Error(t, err)
				require.Nil(t, got)
				for _, s := range c.errHas {
					require.ErrorContains(t, err, s)
				}
				var ce *ChangeError
				if !errors.As(err, &ce) {
					_, werr := NewDirectory(applyModel(base, c.changes))
					require.Equal(t, werr.Error(), err.Error())
				}
				return
			}
			require.NoError(t, err)
			want, err := NewDirectory(c.want)
			require.NoError(t, err)
			requireSameDirectory(t, applyWorld{rand.New(rand.NewPCG(3, 4))}, want, got, c.name)
			// d itself did not change.
			orig, _ := NewDirectory(base)
			requireSameDirectory(t, applyWorld{rand.New(rand.NewPCG(3, 4))}, orig, d, c.name+": the old snapshot")
		})
	}
}

// TestApplyConcurrentReaders swaps snapshots made by Apply into a Holder
// while readers attribute: run with -race. Every reader sees one whole
// snapshot: the tenant it reads back has all of its domains or none.
func TestApplyConcurrentReaders(t *testing.T) {
	tenants := make([]Tenant, 300)
	for i := range tenants {
		tenants[i] = Tenant{ID: fmt.Sprint("t", i), AcceptedDomains: accepted(fmt.Sprintf("t%d.example", i)),
			InboundConnectors: []connector.Inbound{onPremByIP("c", fmt.Sprintf("10.%d.%d.0/24", i/256, i%256))}}
	}
	d, err := NewDirectory(tenants)
	require.NoError(t, err)
	h := NewHolder(d)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad sync.Map
	for g := range 3 {
		wg.Go(func() {
			var r Result
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				cur := h.Load()
				n := i % len(tenants)
				s := &Session{Port: 25, ClientIP: netip.AddrFrom4([4]byte{10, byte(n / 256), byte(n % 256), 9}),
					MailFrom: ParseAddress(fmt.Sprintf("a@t%d.example", n)), RcptTo: ParseAddresses("b@x.example")}
				cur.AttributeTo(s, &r)
				// t<n> owns t<n>.example and, once replaced, t<n>.example.net: both or neither.
				_, _, a := cur.Owner(domain.MustParse(fmt.Sprintf("t%d.example", n)))
				_, _, b := cur.Owner(domain.MustParse(fmt.Sprintf("t%d.example.net", n)))
				if tn, ok := cur.Tenant(fmt.Sprint("t", n)); ok && len(tn.AcceptedDomains) == 2 && !(a && b) {
					bad.Store(g, fmt.Sprintf("tenant t%d half applied", n))
				}
			}
		})
	}
	for i := range 600 {
		n := i % len(tenants)
		nt := tenants[n]
		nt.AcceptedDomains = accepted(fmt.Sprintf("t%d.example", n), fmt.Sprintf("t%d.example.net", n))
		next, err := h.Load().Apply(TenantChange{Tenant: &nt})
		require.NoError(t, err)
		h.Store(next)
	}
	close(stop)
	wg.Wait()
	bad.Range(func(_, v any) bool { t.Error(v); return true })
	require.Equal(t, len(tenants), h.Load().Len())
}
