package attribution

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gaissmai/bart"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/labeltree"
)

// Tenant is one organisation of a multi-tenant mail service: its accepted
// domains and connectors, as Exchange Online's cmdlets name them.
type Tenant struct {
	// ID names the tenant uniquely in the directory.
	ID string
	// AcceptedDomains are the domains the tenant receives mail for.
	// An accepted domain belongs to one tenant only.
	AcceptedDomains []domain.AcceptedDomain
	// InboundConnectors identify the tenant's own servers (OnPremises) and
	// partners (Partner) by IP or certificate.
	InboundConnectors []connector.Inbound
	// OutboundConnectors route the tenant's mail to its own servers and
	// partners.
	OutboundConnectors []connector.Outbound
	// RejectDirectSend refuses anonymous mail with an accepted domain in
	// MAIL FROM that matched no IP- or certificate-based inbound connector
	// (Set-OrganizationConfig -RejectDirectSend).
	RejectDirectSend bool
	// SendAs lists who may submit mail as whom (Add-RecipientPermission
	// -AccessRights SendAs). A mailbox may always send as itself.
	SendAs []SendAsGrant
}

// SendAsGrant lets Trustee submit mail with Identity as the sender.
type SendAsGrant struct {
	Identity string // the address that may be sent as
	Trustee  string // the mailbox that may send as it
}

// tenantRec is a tenant as the directory holds it.
type tenantRec struct {
	Tenant
	outbound *connector.Table
	sendAs   map[string][]string // lower-case trustee → lower-case identities
}

// connRef points at an inbound connector of a tenant.
type connRef struct {
	tenant, conn int32
}

// Directory holds many tenants, indexed for attribution: accepted domain →
// tenant, certificate name → inbound connectors, client IP → inbound
// connectors.
//
// A Directory is immutable once built by [NewDirectory] and safe for any
// number of concurrent readers. To change it, build a new one and swap it
// in with a [Holder]. The zero Directory is empty: it attributes every
// session as anonymous and rejects every recipient.
type Directory struct {
	tenants []tenantRec
	byID    map[string]int32
	domains *labeltree.Frozen[int32]     // accepted domain (exact, or wildcard for MatchSubDomains) → tenant
	certs   *labeltree.Frozen[[]connRef] // TlsSenderCertificateName → connectors
	ips     *bart.Table[[]connRef]       // SenderIPAddresses → every connector whose prefix contains it
	options []connector.Option
}

// ConfigError is one problem found while building a Directory.
type ConfigError struct {
	Tenant string // tenant ID
	Field  string // e.g. "AcceptedDomains[1]", "InboundConnectors[0]"
	Msg    string
	Err    error // underlying error, if any
}

// Error formats the problem as: attribution: tenant "contoso" Field: message.
func (e *ConfigError) Error() string {
	s := "attribution: tenant " + fmt.Sprintf("%q", e.Tenant)
	if e.Field != "" {
		s += " " + e.Field
	}
	return s + ": " + e.Msg
}

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// NewDirectory validates tenants and builds a Directory. Every problem is
// reported at once, joined into the returned error (each a [*ConfigError]
// or an error of the connector or domain package), and no Directory is
// returned unless all is well: duplicate tenant IDs, an accepted domain
// claimed by two tenants (the error names both), invalid accepted domains,
// inbound connectors breaking Exchange Online's rules, and outbound
// connector tables that do not build.
//
// The options are passed to connector.NewTable for each tenant's outbound
// table (for example the precedence policy).
func NewDirectory(tenants []Tenant, opts ...connector.Option) (*Directory, error) {
	var errs []error
	fail := func(tenant, field, format string, args ...any) {
		errs = append(errs, &ConfigError{Tenant: tenant, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	d := &Directory{
		tenants: make([]tenantRec, len(tenants)),
		byID:    make(map[string]int32, len(tenants)),
		ips:     new(bart.Table[[]connRef]),
		options: opts,
	}
	// Size the indexes up front: growing maps of millions of names step
	// by step costs more than filling them (benchmarks/RESULTS.md).
	nDomains, nCerts := 0, 0
	for i := range tenants {
		nDomains += len(tenants[i].AcceptedDomains)
		for j := range tenants[i].InboundConnectors {
			if tenants[i].InboundConnectors[j].TlsSenderCertificateName.IsValid() {
				nCerts++
			}
		}
	}
	domains := labeltree.NewWithCap[int32](nDomains)
	certs := labeltree.NewWithCap[[]connRef](nCerts)
	var prefixes []prefixRef

	for ti, t := range tenants {
		id := t.ID
		if id == "" {
			fail(fmt.Sprintf("#%d", ti), "Id", "tenant ID is empty")
		} else if prev, dup := d.byID[id]; dup {
			fail(id, "Id", "duplicate tenant ID (also tenant #%d)", prev)
		} else {
			d.byID[id] = int32(ti)
		}
		rec := &d.tenants[ti]
		rec.Tenant = t
		rec.InboundConnectors = slices.Clone(t.InboundConnectors)
		rec.AcceptedDomains = slices.Clone(t.AcceptedDomains)

		for ai, a := range t.AcceptedDomains {
			field := func() string { return fmt.Sprintf("AcceptedDomains[%d]", ai) }
			if err := a.Validate(); err != nil {
				errs = append(errs, &ConfigError{Tenant: id, Field: field(), Msg: err.Error(), Err: err})
				continue
			}
			if old, dup := domains.Insert(a.Pattern(), int32(ti)); dup {
				domains.Insert(a.Pattern(), old) // keep the first claim
				if int(old) == ti {
					fail(id, field(), "accepted domain %s is listed twice", a.Name)
				} else {
					fail(id, field(), "accepted domain %s is already an accepted domain of tenant %q", a.Name, tenants[old].ID)
				}
			}
		}

		seen := map[string]bool{}
		for ci := range rec.InboundConnectors {
			c := &rec.InboundConnectors[ci]
			field := func() string { return fmt.Sprintf("InboundConnectors[%d]", ci) }
			if err := c.Validate(); err != nil {
				errs = append(errs, &ConfigError{Tenant: id, Field: field(), Msg: err.Error(), Err: err})
			}
			if len(rec.InboundConnectors) > 1 { // one name cannot repeat
				name := strings.ToLower(c.Name)
				if seen[name] {
					fail(id, field(), "duplicate inbound connector name %q", c.Name)
				}
				seen[name] = true
			}
			if !c.Enabled {
				continue
			}
			ref := connRef{int32(ti), int32(ci)}
			if c.TlsSenderCertificateName.IsValid() {
				refs, _ := certs.Get(c.TlsSenderCertificateName)
				certs.Insert(c.TlsSenderCertificateName, append(refs, ref))
			}
			for _, p := range c.SenderIPAddresses {
				prefixes = append(prefixes, prefixRef{p.Masked(), ref})
			}
		}

		// Rules that need the whole tenant (facts §1.2, §2.1).
		hasOnPremIn := false
		for _, c := range t.InboundConnectors {
			hasOnPremIn = hasOnPremIn || (c.Enabled && c.ConnectorType == connector.OnPremises)
		}
		for oi, oc := range t.OutboundConnectors {
			if oc.Enabled && oc.RouteAllMessagesViaOnPremises && !hasOnPremIn {
				fail(id, fmt.Sprintf("OutboundConnectors[%d].RouteAllMessagesViaOnPremises", oi),
					"connector %q routes all mail via on-premises, which needs an enabled OnPremises inbound connector in the tenant", oc.Name)
			}
		}
		for ci, c := range t.InboundConnectors {
			for ai, n := range c.AssociatedAcceptedDomains {
				if !slices.ContainsFunc(t.AcceptedDomains, func(a domain.AcceptedDomain) bool { return a.Name == n }) {
					fail(id, fmt.Sprintf("InboundConnectors[%d].AssociatedAcceptedDomains[%d]", ci, ai),
						"%s is not an accepted domain of the tenant", n)
				}
			}
		}

		table, err := connector.NewTable(t.OutboundConnectors, t.AcceptedDomains, opts...)
		if err != nil {
			errs = append(errs, &ConfigError{Tenant: id, Field: "OutboundConnectors", Msg: err.Error(), Err: err})
		}
		rec.outbound = table

		for gi, g := range t.SendAs {
			if _, err := domain.ParseMailbox(g.Identity); err != nil {
				fail(id, fmt.Sprintf("SendAs[%d].Identity", gi), "%v", err)
				continue
			}
			if _, err := domain.ParseMailbox(g.Trustee); err != nil {
				fail(id, fmt.Sprintf("SendAs[%d].Trustee", gi), "%v", err)
				continue
			}
			if rec.sendAs == nil {
				rec.sendAs = make(map[string][]string)
			}
			k := strings.ToLower(g.Trustee)
			rec.sendAs[k] = append(rec.sendAs[k], strings.ToLower(g.Identity))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	d.domains = domains.Freeze()
	d.certs = certs.Freeze()
	buildIPIndex(d.ips, prefixes)
	return d, nil
}

type prefixRef struct {
	prefix netip.Prefix
	ref    connRef
}

// buildIPIndex stores, under every prefix, the connectors of that prefix
// and of every shorter prefix containing it. A longest-prefix lookup of an
// address then returns every connector whose prefixes contain the address,
// with one lookup and no allocation.
func buildIPIndex(t *bart.Table[[]connRef], prefixes []prefixRef) {
	// Shorter prefixes first, so that a prefix's supernets are complete
	// when it is inserted.
	slices.SortStableFunc(prefixes, func(a, b prefixRef) int { return a.prefix.Bits() - b.prefix.Bits() })
	for _, pr := range prefixes {
		var refs []connRef
		if old, ok := t.Get(pr.prefix); ok {
			refs = old
		} else if _, sup, ok := t.LookupPrefixLPM(pr.prefix); ok {
			refs = slices.Clone(sup)
		}
		if !slices.Contains(refs, pr.ref) {
			refs = append(refs, pr.ref)
		}
		t.Insert(pr.prefix, refs)
	}
}

// Len returns the number of tenants.
func (d *Directory) Len() int { return len(d.tenants) }

// Tenant returns the tenant with the given ID.
func (d *Directory) Tenant(id string) (Tenant, bool) {
	i, ok := d.byID[id]
	if !ok {
		return Tenant{}, false
	}
	return d.tenants[i].Tenant, true
}

// Tenants returns the IDs of all tenants, in the order they were given.
func (d *Directory) Tenants() []string {
	out := make([]string, len(d.tenants))
	for i := range d.tenants {
		out[i] = d.tenants[i].ID
	}
	return out
}

// OutboundTable returns the outbound connector table of a tenant.
func (d *Directory) OutboundTable(id string) (*connector.Table, bool) {
	i, ok := d.byID[id]
	if !ok {
		return nil, false
	}
	return d.tenants[i].outbound, true
}

// Owner returns the ID of the tenant that accepts mail for n, and the
// accepted domain pattern that matched (exact, or a MatchSubDomains
// wildcard).
func (d *Directory) Owner(n domain.Name) (string, domain.Pattern, bool) {
	ti, p, ok := d.owner(n)
	if !ok {
		return "", domain.Pattern{}, false
	}
	return d.tenants[ti].ID, p, true
}

func (d *Directory) owner(n domain.Name) (int32, domain.Pattern, bool) {
	if d.domains == nil {
		return 0, domain.Pattern{}, false
	}
	p, ti, ok := d.domains.Match(n)
	return ti, p, ok
}

// Holder holds the current Directory and swaps in new versions
// atomically: readers calling [Holder.Load] never block and always see a
// complete Directory, old or new.
//
// The zero Holder holds an empty Directory. A Holder must not be copied
// after first use.
type Holder struct {
	p atomic.Pointer[Directory]
}

// NewHolder returns a Holder holding d.
func NewHolder(d *Directory) *Holder {
	h := &Holder{}
	h.Store(d)
	return h
}

// Load returns the current Directory; never nil.
func (h *Holder) Load() *Directory {
	if d := h.p.Load(); d != nil {
		return d
	}
	return &Directory{}
}

// Store swaps d in. Sessions already attributing with the old Directory
// finish with it.
func (h *Holder) Store(d *Directory) { h.p.Store(d) }
