package attribution

import (
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gaissmai/bart"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/labeltree"
	"github.com/mailflow-go/mailflow/internal/pmap"
)

// Tenant is one organisation of a multi-tenant mail service: its accepted
// domains and connectors, as Exchange Online's cmdlets name them.
type Tenant struct {
	// ID names the tenant uniquely in the directory; IDs are compared
	// ignoring case, as the service compares tenant names.
	ID string
	// AcceptedDomains are the domains the tenant receives mail for. A name
	// is owned by one tenant only: two tenants may not accept the same
	// domain, nor may one accept a name that another's MatchSubDomains
	// domain covers.
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
	// SubmissionLogins map SMTP AUTH user names that are not addresses
	// ("scanner01") to the tenant's mailboxes, for devices that log in
	// with a plain user name. A login belongs to one tenant only.
	SubmissionLogins []SubmissionLogin
	// TransportRules are the tenant's mail flow rules (Get-TransportRule);
	// those with RouteMessageOutboundConnector choose rule-scoped
	// connectors (transportrule.go).
	TransportRules []TransportRule
}

// Clone returns a copy of t that shares no slice with it.
func (t Tenant) Clone() Tenant {
	t.AcceptedDomains = slices.Clone(t.AcceptedDomains)
	t.SendAs = slices.Clone(t.SendAs)
	t.SubmissionLogins = slices.Clone(t.SubmissionLogins)
	t.TransportRules = cloneRules(t.TransportRules)
	in := make([]connector.Inbound, len(t.InboundConnectors))
	for i, c := range t.InboundConnectors {
		in[i] = c.Clone()
	}
	out := make([]connector.Outbound, len(t.OutboundConnectors))
	for i, c := range t.OutboundConnectors {
		out[i] = c.Clone()
	}
	if t.InboundConnectors == nil {
		in = nil
	}
	if t.OutboundConnectors == nil {
		out = nil
	}
	t.InboundConnectors, t.OutboundConnectors = in, out
	return t
}

// SendAsGrant lets Trustee submit mail with Identity as the sender.
type SendAsGrant struct {
	Identity string // the address that may be sent as
	Trustee  string // the mailbox that may send as it
}

// SubmissionLogin maps an SMTP AUTH user name without a domain to the
// mailbox it authenticates as.
type SubmissionLogin struct {
	Login   string // the user name as the client sends it, compared ignoring case
	Mailbox string // the mailbox address, in one of the tenant's accepted domains
}

// tenantRec is a tenant as the directory holds it.
type tenantRec struct {
	Tenant
	outbound *connector.Table
	sendAs   map[string][]string // lower-case trustee → lower-case identities
}

// outboundConnectors yields the tenant's outbound connectors, which its
// table holds.
func (t *tenantRec) outboundConnectors() iter.Seq[*connector.Outbound] {
	if t.outbound == nil {
		return func(func(*connector.Outbound) bool) {}
	}
	return t.outbound.Connectors()
}

// connRef points at an inbound connector of a tenant.
type connRef struct {
	tenant, conn int32
}

// loginRef is where a submission login leads.
type loginRef struct {
	tenant  int32
	mailbox Address
}

// Directory holds many tenants, indexed for attribution: accepted domain →
// tenant, certificate name → inbound connectors, client IP → inbound
// connectors.
//
// A Directory is immutable once built by [NewDirectory] or
// [Directory.Apply] and safe for any number of concurrent readers. To
// change it, apply changes (or build a new one) and swap the result in
// with a [Holder]. The zero Directory is empty: it attributes every
// session as anonymous and rejects every recipient.
type Directory struct {
	// chunks hold the tenant records by slot, chunkSize to a chunk. A
	// slot is written once: Apply appends the records it makes, and the
	// snapshots it derives share every chunk (see tenantLog).
	chunks  []*[chunkSize]tenantRec
	n       int                      // slots in use, live or dead
	dead    int                      // slots of tenants removed or replaced by Apply
	log     *tenantLog               // the append position shared by the snapshots of one line
	byID    pmap.Map[int32]          // lower-case tenant ID → slot
	domains *labeltree.Frozen[int32] // accepted domain (exact, or wildcard for MatchSubDomains) → slot
	certs   *labeltree.Frozen[[]connRef]
	ips     *bart.Table[[]connRef] // SenderIPAddresses → every connector whose prefix contains it
	logins  pmap.Map[loginRef]     // lower-case submission login → mailbox
	options []connector.Option
	below   *belowIndex // for Apply: names below each accepted domain, built on first need
}

const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
)

// rec returns the record in slot ti.
func (d *Directory) rec(ti int32) *tenantRec {
	return &d.chunks[ti>>chunkBits][ti&(chunkSize-1)]
}

// live yields the slots of the directory's tenants, in order.
func (d *Directory) live() iter.Seq[int32] {
	return func(yield func(int32) bool) {
		for ti := range int32(d.n) {
			if d.dead > 0 && !d.isLive(ti) {
				continue
			}
			if !yield(ti) {
				return
			}
		}
	}
}

// isLive reports whether slot ti holds a tenant of d (and not one that
// Apply removed or replaced).
func (d *Directory) isLive(ti int32) bool {
	if d.dead == 0 {
		return ti < int32(d.n)
	}
	s, ok := d.byID.Get(tenantKey(d.rec(ti).ID))
	return ok && s == ti
}

// tenantLog is the append position of the tenant records that a line of
// snapshots shares: only the snapshot whose n equals the log's n may
// append in place; another (an older snapshot applied to again) copies
// its partial last chunk first.
type tenantLog struct {
	mu sync.Mutex
	n  int
}

// ConfigError is one problem found while building a Directory: which
// tenant, which record and field, which connector, and what is wrong.
type ConfigError struct {
	// Tenant is the tenant's ID, as given ("" when it has none).
	Tenant string
	// TenantIndex is the tenant's position in the list given to
	// NewDirectory.
	TenantIndex int
	// Field is the path of the value inside the tenant, with indexes into
	// the tenant's lists: "AcceptedDomains[1].MatchSubDomains",
	// "OutboundConnectors[2].RecipientDomains[0]", "Id".
	Field string
	// Connector is the Name of the connector at fault, "" when the
	// problem is not a connector's.
	Connector string
	// Msg says what is wrong, without the names above.
	Msg string
	// Err is the error of the package that found the problem (a
	// *connector.ValidationError, *connector.ConflictError,
	// *domain.Error …), or nil.
	Err error
}

// Error formats the problem as:
//
//	attribution: tenant "contoso" OutboundConnectors[1].SmartHosts (connector "Second"): message
func (e *ConfigError) Error() string {
	s := "attribution: tenant " + strconv.Quote(e.Tenant)
	if e.Tenant == "" {
		s = "attribution: tenant #" + strconv.Itoa(e.TenantIndex)
	}
	if e.Field != "" {
		s += " " + e.Field
	}
	if e.Connector != "" {
		s += " (connector " + strconv.Quote(e.Connector) + ")"
	}
	return s + ": " + e.Msg
}

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// DomainClaim is one tenant's accepted domain, as an [OwnershipError]
// names it.
type DomainClaim struct {
	Tenant      string // the tenant's ID
	TenantIndex int    // its position in the list given to NewDirectory
	Index       int    // the domain's position in the tenant's AcceptedDomains
	Domain      domain.AcceptedDomain
}

// String returns "fabrikam.com (MatchSubDomains) of tenant "a"".
func (c DomainClaim) String() string {
	s := c.Domain.Name.String()
	if c.Domain.MatchSubDomains {
		s += " (MatchSubDomains)"
	}
	return s + " of tenant " + strconv.Quote(c.Tenant)
}

// OwnershipError reports two tenants that both own a name: they accept
// the same domain, or one accepts a name below another's accepted domain
// that matches subdomains. The service never allows it (a domain is an
// accepted domain of exactly one tenant), and attribution would have to
// pick one of them silently, so NewDirectory refuses it.
type OwnershipError struct {
	// First is the claim of the tenant given first, Second the other's.
	First, Second DomainClaim
}

// Error formats as:
//
//	attribution: accepted domain eu.fabrikam.com of tenant "b" (AcceptedDomains[0]) conflicts with fabrikam.com (MatchSubDomains) of tenant "a" (AcceptedDomains[0]): …
func (e *OwnershipError) Error() string {
	return fmt.Sprintf("attribution: accepted domain %s (AcceptedDomains[%d]) conflicts with %s (AcceptedDomains[%d]): %s",
		e.Second, e.Second.Index, e.First, e.First.Index, e.Reason())
}

// Reason says how the two claims overlap, and the rule: "fabrikam.com
// matches subdomains, so it covers eu.fabrikam.com; a name is owned by one
// tenant only".
func (e *OwnershipError) Reason() string {
	a, b := e.First.Domain, e.Second.Domain
	var s string
	switch {
	case a.Name == b.Name:
		s = "both tenants accept " + a.Name.String()
	case a.MatchSubDomains && b.Name.IsSubdomainOf(a.Name):
		s = a.Name.String() + " matches subdomains, so it covers " + b.Name.String()
	default:
		s = b.Name.String() + " matches subdomains, so it covers " + a.Name.String()
	}
	return s + "; a name is owned by one tenant only"
}

// tenantKey is how tenant IDs are compared: ignoring case.
func tenantKey(id string) string { return strings.ToLower(id) }

// NewDirectory validates tenants and builds a Directory. Every problem is
// reported at once, joined into the returned error, each a [*ConfigError]
// or an [*OwnershipError], and no Directory is returned unless all is
// well: empty or duplicate tenant IDs (compared ignoring case), names
// owned by two tenants, invalid accepted domains, inbound connectors
// breaking Exchange Online's rules, outbound connector tables that do not
// build, bad SendAs grants and submission logins.
//
// NewDirectory keeps its own copy of tenants: changing the caller's
// slices afterwards changes nothing. The options are passed to
// connector.NewTable for each tenant's outbound table (for example the
// precedence policy).
func NewDirectory(tenants []Tenant, opts ...connector.Option) (*Directory, error) {
	d, _, err := build(tenants, nil, opts, false)
	return d, err
}

// build is NewDirectory, reporting tenant i as at position pos[i] (nil:
// at i). Apply builds the few tenants a change concerns with it (sub),
// so that its errors are those NewDirectory gives for the whole
// directory: then the records are returned in a slice, and only the
// logins are indexed.
func build(tenants []Tenant, pos []int, opts []connector.Option, sub bool) (*Directory, []tenantRec, error) {
	b := &dirBuilder{tenants: tenants, pos: pos}
	d := &Directory{
		n:       len(tenants),
		log:     &tenantLog{n: len(tenants)},
		ips:     new(bart.Table[[]connRef]),
		options: opts,
		below:   &belowIndex{},
	}
	var recs []tenantRec
	if sub {
		recs = make([]tenantRec, len(tenants))
	} else {
		d.chunks = make([]*[chunkSize]tenantRec, (len(tenants)+chunkSize-1)/chunkSize)
		for i := range d.chunks {
			d.chunks[i] = new([chunkSize]tenantRec)
		}
	}
	byID := pmap.NewBuilder(pmap.Map[int32]{}, len(tenants))
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

	for ti := range tenants {
		// The directory's own copy; outbound connectors are copied by
		// connector.NewTable alone, and Tenant reads them back from it.
		t := tenants[ti]
		t.OutboundConnectors = nil
		t = t.Clone()
		t.OutboundConnectors = tenants[ti].OutboundConnectors
		var rec *tenantRec
		if sub {
			rec = &recs[ti]
		} else {
			rec = d.rec(int32(ti))
		}
		rec.Tenant = t
		b.ti = ti
		if t.ID == "" {
			b.fail("Id", "", "tenant ID is empty")
		} else if prev, dup := byID.Get(tenantKey(t.ID)); dup {
			b.fail("Id", "", fmt.Sprintf("duplicate tenant ID: Tenants[%d] is %q (IDs are compared ignoring case)", b.at(int(prev)), tenants[prev].ID))
		} else {
			byID.Set(tenantKey(t.ID), int32(ti))
		}

		// A name can be listed twice in two forms only by a tenant with a
		// MatchSubDomains domain: the others skip that lookup.
		hasSub := false
		for _, a := range t.AcceptedDomains {
			hasSub = hasSub || a.MatchSubDomains
		}
		for ai, a := range t.AcceptedDomains {
			if err := a.Validate(); err != nil {
				de := err.(*domain.Error)
				b.failErr(fmt.Sprintf("AcceptedDomains[%d].%s", ai, de.Field), "", de.Message(), err)
				if b.invalid == nil {
					b.invalid = make(map[[2]int]bool)
				}
				b.invalid[[2]int{ti, ai}] = true
				continue
			}
			if a.MatchSubDomains {
				b.wildLens[len(a.Name.String())] = true
			}
			// The same name as the other kind of pattern (exact and
			// MatchSubDomains) is still the same name.
			twin := domain.ExactPattern(a.Name)
			if !a.MatchSubDomains {
				twin = domain.WildcardPattern(a.Name)
			}
			if !hasSub || len(t.AcceptedDomains) == 1 {
				// nothing to be listed twice with
			} else if owner, ok := domains.Get(twin); ok && int(owner) == ti {
				b.fail(fmt.Sprintf("AcceptedDomains[%d].DomainName", ai), "", "accepted domain "+a.Name.String()+" is listed twice")
				continue
			}
			if old, dup := domains.Insert(a.Pattern(), int32(ti)); dup {
				domains.Insert(a.Pattern(), old) // keep the first claim
				if int(old) == ti || slices.Contains(b.extra[a.Pattern()], int32(ti)) {
					b.fail(fmt.Sprintf("AcceptedDomains[%d].DomainName", ai), "", "accepted domain "+a.Name.String()+" is listed twice")
					continue
				}
				for _, other := range b.claimants(a.Pattern(), old) {
					b.ownership(int(other), ti, ai, a)
				}
				if b.extra == nil {
					b.extra = make(map[domain.Pattern][]int32)
				}
				b.extra[a.Pattern()] = append(b.extra[a.Pattern()], int32(ti))
			}
		}

		seen := map[string]bool{}
		for ci := range rec.InboundConnectors {
			c := &rec.InboundConnectors[ci]
			if err := c.Validate(); err != nil {
				for _, e := range err.(connector.ErrorList) {
					ve := e.(*connector.ValidationError)
					if !ve.Refuses(c.Stored) {
						continue // stored state: Lint reports it
					}
					b.failErr(fmt.Sprintf("InboundConnectors[%d].%s", ci, ve.Field), c.Name, ve.Msg, ve)
				}
			}
			if len(rec.InboundConnectors) > 1 { // one name cannot repeat
				name := strings.ToLower(c.Name)
				if seen[name] {
					b.fail(fmt.Sprintf("InboundConnectors[%d].Name", ci), c.Name, "duplicate inbound connector name (names are compared ignoring case)")
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

		for _, v := range tenantRules(&t) {
			if !v.stored {
				b.fail(v.field, v.conn, v.msg)
			}
		}

		b.transportRules(&t)
		table, err := connector.NewTable(t.OutboundConnectors, t.AcceptedDomains, opts...)
		if err != nil {
			b.tableErrors(err)
		}
		rec.outbound = table
		rec.OutboundConnectors = nil // the table holds them

		for gi, g := range t.SendAs {
			if _, err := domain.ParseMailbox(g.Identity); err != nil {
				b.failErr(fmt.Sprintf("SendAs[%d].Identity", gi), "", err.(*domain.Error).Message(), err)
				continue
			}
			if _, err := domain.ParseMailbox(g.Trustee); err != nil {
				b.failErr(fmt.Sprintf("SendAs[%d].Trustee", gi), "", err.(*domain.Error).Message(), err)
				continue
			}
			if rec.sendAs == nil {
				rec.sendAs = make(map[string][]string)
			}
			k := strings.ToLower(g.Trustee)
			rec.sendAs[k] = append(rec.sendAs[k], strings.ToLower(g.Identity))
		}
	}
	b.crossOwnership(domains)
	d.logins = b.logins(domains)
	if len(b.errs) > 0 {
		return nil, nil, errors.Join(b.errs...)
	}
	if sub {
		return d, recs, nil
	}
	d.byID = byID.Map()
	d.domains = domains.Freeze()
	d.certs = certs.Freeze()
	buildIPIndex(d.ips, prefixes)
	return d, nil, nil
}

// tenantBreach is a broken rule that needs the whole tenant.
type tenantBreach struct {
	field, conn, msg string
	stored           bool // the connector at fault is Stored
	section          string
}

// tenantRules checks the rules that need more than one connector (facts
// §1.2, §2.1). All are service-enforced at write (connector.KindWrite):
// NewDirectory refuses a breach by a hand-written connector, and Lint
// reports one by a stored connector.
func tenantRules(t *Tenant) []tenantBreach {
	var out []tenantBreach
	hasOnPremIn := false
	for _, c := range t.InboundConnectors {
		hasOnPremIn = hasOnPremIn || (c.Enabled && c.ConnectorType == connector.OnPremises)
	}
	for oi, oc := range t.OutboundConnectors {
		if oc.Enabled && oc.RouteAllMessagesViaOnPremises && !hasOnPremIn {
			out = append(out, tenantBreach{fmt.Sprintf("OutboundConnectors[%d].RouteAllMessagesViaOnPremises", oi), oc.Name,
				"routes all mail via on-premises, which needs an enabled OnPremises inbound connector in the tenant", oc.Stored, "§1.2"})
		}
	}
	for ci, c := range t.InboundConnectors {
		for ai, n := range c.AssociatedAcceptedDomains {
			if !slices.ContainsFunc(t.AcceptedDomains, func(a domain.AcceptedDomain) bool { return a.Name == n }) {
				out = append(out, tenantBreach{fmt.Sprintf("InboundConnectors[%d].AssociatedAcceptedDomains[%d]", ci, ai), c.Name,
					n.String() + " is not an accepted domain of the tenant", c.Stored, "§2.1"})
			}
		}
	}
	return out
}

// dirBuilder collects NewDirectory's errors.
type dirBuilder struct {
	tenants  []Tenant
	pos      []int // tenant i's position as reported (nil: i)
	ti       int   // the tenant being built
	errs     []error
	wildLens [256]bool // lengths of the MatchSubDomains accepted domains
	// extra holds the tenants claiming a pattern after the first, which
	// the domain index keeps (only a refused directory has any).
	extra map[domain.Pattern][]int32
	// invalid marks the accepted domains (tenant, index) that failed
	// validation (only a refused directory has any).
	invalid map[[2]int]bool
}

// claimants returns every tenant claiming pattern p: first, the one the
// domain index holds, then the others.
func (b *dirBuilder) claimants(p domain.Pattern, first int32) []int32 {
	return append([]int32{first}, b.extra[p]...)
}

func (b *dirBuilder) fail(field, conn, msg string) { b.failErr(field, conn, msg, nil) }

func (b *dirBuilder) failErr(field, conn, msg string, err error) {
	b.errs = append(b.errs, &ConfigError{Tenant: b.tenants[b.ti].ID, TenantIndex: b.at(b.ti), Field: field, Connector: conn, Msg: msg, Err: err})
}

// at returns the position of tenant i as errors report it.
func (b *dirBuilder) at(i int) int {
	if b.pos == nil {
		return i
	}
	return b.pos[i]
}

// claim returns tenant ti's claim on pattern p: the first of its accepted
// domains with that pattern. Only the error path needs it.
func (b *dirBuilder) claim(ti int, p domain.Pattern) DomainClaim {
	t := &b.tenants[ti]
	for i, a := range t.AcceptedDomains {
		if a.Pattern() == p {
			return DomainClaim{Tenant: t.ID, TenantIndex: b.at(ti), Index: i, Domain: a}
		}
	}
	return DomainClaim{Tenant: t.ID, TenantIndex: b.at(ti), Index: -1}
}

// ownership reports that accepted domain a (index ai of tenant ti) and a
// claim of tenant other overlap, the earlier tenant first.
func (b *dirBuilder) ownership(other, ti, ai int, a domain.AcceptedDomain) {
	mine := DomainClaim{Tenant: b.tenants[ti].ID, TenantIndex: b.at(ti), Index: ai, Domain: a}
	theirs := b.claim(other, a.Pattern())
	if theirs.Index < 0 { // a wildcard of other's covers a
		theirs = b.coverOf(other, a.Name)
	}
	e := &OwnershipError{First: theirs, Second: mine}
	if other > ti {
		e.First, e.Second = mine, theirs
	}
	b.errs = append(b.errs, e)
}

// coverOf returns tenant ti's MatchSubDomains claim covering n.
func (b *dirBuilder) coverOf(ti int, n domain.Name) DomainClaim {
	t := &b.tenants[ti]
	for i, a := range t.AcceptedDomains {
		if a.MatchSubDomains && a.Covers(n) {
			return DomainClaim{Tenant: t.ID, TenantIndex: b.at(ti), Index: i, Domain: a}
		}
	}
	return DomainClaim{Tenant: t.ID, TenantIndex: b.at(ti), Index: -1}
}

// crossOwnership finds the overlaps Insert cannot see: a name of one
// tenant covered by another tenant's MatchSubDomains domain at or above
// it. Each name looks up only its own wildcard and its parents', and only
// at lengths some MatchSubDomains domain has, so the check costs a few
// map lookups per accepted domain (and none without MatchSubDomains).
func (b *dirBuilder) crossOwnership(domains *labeltree.Tree[int32]) {
	any := false
	for _, ok := range b.wildLens {
		any = any || ok
	}
	if !any {
		return
	}
	for ti := range b.tenants {
		for ai, a := range b.tenants[ti].AcceptedDomains {
			if b.invalid[[2]int{ti, ai}] {
				continue
			}
			n := a.Name
			if a.MatchSubDomains { // its own wildcard is its own claim; start above
				var ok bool
				if n, ok = n.Parent(); !ok {
					continue
				}
			}
			for p, ok := n, true; ok; p, ok = p.Parent() {
				if !b.wildLens[len(p.String())] {
					continue
				}
				w := domain.WildcardPattern(p)
				owner, found := domains.Get(w)
				if !found || (int(owner) == ti && len(b.extra) == 0) {
					continue // the common case: none, or the tenant's own
				}
				for _, other := range b.claimants(w, owner) {
					if int(other) != ti {
						b.ti = ti
						b.ownership(int(other), ti, ai, a)
					}
				}
			}
		}
	}
}

// logins indexes the submission logins of every tenant, reporting bad
// ones and logins claimed by two tenants.
func (b *dirBuilder) logins(domains *labeltree.Tree[int32]) pmap.Map[loginRef] {
	out := pmap.NewBuilder(pmap.Map[loginRef]{}, 0)
	first := map[string]int{} // login → tenant index
	for ti := range b.tenants {
		b.ti = ti
		for li, l := range b.tenants[ti].SubmissionLogins {
			field := fmt.Sprintf("SubmissionLogins[%d]", li)
			if l.Login == "" || strings.ContainsAny(l.Login, "@ \t") {
				b.fail(field+".Login", "", fmt.Sprintf("login %q: want a user name without @ or spaces (an address needs no mapping)", l.Login))
				continue
			}
			m := ParseAddress(l.Mailbox)
			if m.Err != nil {
				b.failErr(field+".Mailbox", "", m.Err.(*domain.Error).Message(), m.Err)
				continue
			}
			if _, owner, ok := domains.Match(m.Domain()); !ok || int(owner) != ti {
				b.fail(field+".Mailbox", "", m.Domain().String()+" is not an accepted domain of the tenant")
				continue
			}
			k := strings.ToLower(l.Login)
			if prev, dup := first[k]; dup {
				b.fail(field+".Login", "", fmt.Sprintf("login %q is already a submission login of tenant %q", l.Login, b.tenants[prev].ID))
				continue
			}
			first[k] = ti
			out.Set(k, loginRef{tenant: int32(ti), mailbox: m})
		}
	}
	return out.Map()
}

// tableErrors reports the errors of a tenant's outbound table, each at
// its connector and field. The table's accepted-domain errors are left
// out: NewDirectory reports those under AcceptedDomains itself.
func (b *dirBuilder) tableErrors(err error) {
	for _, e := range err.(connector.ErrorList) {
		switch e := e.(type) {
		case *connector.ValidationError:
			b.failErr(fmt.Sprintf("OutboundConnectors[%d].%s", e.Index, e.Field), e.Connector, e.Msg, e)
		case *connector.ConflictError:
			field := fmt.Sprintf("OutboundConnectors[%d].AllAcceptedDomains", e.SecondIndex)
			msg := fmt.Sprintf("OutboundConnectors[%d] (%q) has AllAcceptedDomains too: only one enabled connector may", e.FirstIndex, e.First)
			if e.Field == "RecipientDomains" {
				field = fmt.Sprintf("OutboundConnectors[%d].RecipientDomains[%d]", e.SecondIndex, e.PatternIndex)
				msg = fmt.Sprintf("%s is already claimed by OutboundConnectors[%d] (%q): two enabled connectors cannot claim one recipient domain", e.Pattern, e.FirstIndex, e.First)
			}
			b.failErr(field, e.Second, msg, e)
		case *connector.AcceptedDomainError:
		default:
			b.failErr("OutboundConnectors", "", e.Error(), e)
		}
	}
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
func (d *Directory) Len() int { return d.n - d.dead }

// Tenant returns a copy of the tenant with the given ID (compared
// ignoring case).
func (d *Directory) Tenant(id string) (Tenant, bool) {
	i, ok := d.index(id)
	if !ok {
		return Tenant{}, false
	}
	rec := d.rec(i)
	t := rec.Tenant.Clone()
	for c := range rec.outboundConnectors() {
		t.OutboundConnectors = append(t.OutboundConnectors, c.Clone())
	}
	return t, true
}

// TenantID returns the ID of the tenant named id ignoring case, as the
// configuration spells it.
func (d *Directory) TenantID(id string) (string, bool) {
	i, ok := d.index(id)
	if !ok {
		return "", false
	}
	return d.rec(i).ID, true
}

// index returns the position of tenant id, compared ignoring case.
func (d *Directory) index(id string) (int32, bool) {
	i, ok := d.byID.Get(id) // the common case: IDs in lower case
	if !ok {
		i, ok = d.byID.Get(tenantKey(id))
	}
	return i, ok
}

// Tenants returns the IDs of all tenants, in the order they were given
// to NewDirectory; [Directory.Apply] puts each tenant it adds or
// replaces last.
func (d *Directory) Tenants() []string {
	out := make([]string, 0, d.Len())
	for ti := range d.live() {
		out = append(out, d.rec(ti).ID)
	}
	return out
}

// OutboundTable returns the outbound connector table of a tenant.
func (d *Directory) OutboundTable(id string) (*connector.Table, bool) {
	i, ok := d.index(id)
	if !ok {
		return nil, false
	}
	return d.rec(i).outbound, true
}

// Owner returns the ID of the tenant that accepts mail for n, and the
// accepted domain pattern that matched (exact, or a MatchSubDomains
// wildcard).
func (d *Directory) Owner(n domain.Name) (string, domain.Pattern, bool) {
	ti, p, ok := d.owner(n)
	if !ok {
		return "", domain.Pattern{}, false
	}
	return d.rec(ti).ID, p, true
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
