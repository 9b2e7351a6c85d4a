package attribution

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/gaissmai/bart"

	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/labeltree"
	"github.com/mailflow-go/mailflow/internal/pmap"
)

// TenantChange is one change for [Directory.Apply]: it adds, replaces or
// removes one tenant.
type TenantChange struct {
	// ID names the tenant the change replaces or removes, compared
	// ignoring case. "" means Tenant.ID. An ID the directory does not
	// hold adds Tenant.
	ID string
	// Tenant is the tenant's new configuration, copied by Apply; nil
	// removes the tenant named ID. A Tenant whose ID differs from ID
	// renames it: the tenant ID is removed and Tenant added.
	Tenant *Tenant
}

// ChangeError reports a change that cannot be applied whatever the rest
// of the directory holds: it removes a tenant the directory does not
// have, or names no tenant at all.
type ChangeError struct {
	Index int    // the change's position in the list given to Apply
	ID    string // the tenant it names
	Msg   string
}

// ErrNoTenant is wrapped by a [ChangeError] that removes a tenant the
// directory does not hold.
var ErrNoTenant = errors.New("no such tenant")

// Error formats as: attribution: change #2 (tenant "contoso"): no such tenant.
func (e *ChangeError) Error() string {
	return fmt.Sprintf("attribution: change #%d (tenant %q): %s", e.Index, e.ID, e.Msg)
}

// Unwrap returns ErrNoTenant when the change removes a tenant that does
// not exist.
func (e *ChangeError) Unwrap() error {
	if e.Msg == ErrNoTenant.Error() {
		return ErrNoTenant
	}
	return nil
}

// Apply returns a new Directory: d with the changes made, in order, as
// if each were applied in turn. d itself does not change, and readers of
// d (sessions attributing with it, a [Holder] still holding it) go on
// undisturbed; swap the result in with [Holder.Store].
//
// The new Directory shares with d everything the changes do not touch:
// the records of the other tenants, their outbound connector tables, and
// every part of the indexes that holds none of the changed tenants'
// names, certificates, prefixes and logins. The cost of Apply grows with
// the size of the changed tenants, not with the directory's.
//
// The result is the Directory that NewDirectory builds from the final
// tenants — the tenants of d that no change names, in their order, then
// each added or replaced tenant in the order of the changes (a replaced
// tenant moves last; [Directory.Tenants] lists that order). Every query
// answers as on that Directory, and a change that breaks a rule is
// refused with the errors NewDirectory gives for those final tenants,
// each naming both tenants of a conflict, TenantIndex their position in
// that list; nothing is applied. The only errors of Apply's own are
// [*ChangeError]s: removing a tenant d does not hold.
//
// The connector options are those given to NewDirectory.
//
// Apply may be called on any Directory, also concurrently and on one
// that was already applied to; calls on the newest snapshot of a line
// are the cheap case (an older one copies at most one chunk of records).
func (d *Directory) Apply(changes ...TenantChange) (*Directory, error) {
	removed, added, err := d.resolve(changes)
	if err != nil {
		return nil, err
	}
	if len(removed) == 0 && len(added) == 0 {
		return d, nil
	}
	isRemoved := func(s int32) bool { _, ok := slices.BinarySearch(removed, s); return ok }

	// The unchanged tenants a change may conflict with. Only they and
	// the changed tenants can break a rule: d holds no conflict.
	partners, scan := d.partners(added, removed, isRemoved)
	if scan {
		for s := range d.coveredBy(added, isRemoved) {
			partners[s] = true
		}
	}
	sub := make([]Tenant, 0, len(partners)+len(added))
	order := make([]int32, 0, len(partners))
	for s := range partners {
		order = append(order, s)
	}
	slices.Sort(order)
	for _, s := range order {
		sub = append(sub, d.tenantOf(s))
	}
	sub = append(sub, added...)
	sd, recs, err := build(sub, nil, d.options, true)
	if err != nil {
		// Again, reporting each tenant at its position in the final list.
		_, _, err = build(sub, d.finalPositions(order, len(added), isRemoved), d.options, true)
		return nil, err
	}
	return d.merge(removed, recs[len(order):], sd), nil
}

// resolve works out what the changes remove (slots of d, ascending) and
// add (the final tenants, in order).
func (d *Directory) resolve(changes []TenantChange) ([]int32, []Tenant, error) {
	removed := map[int32]struct{}{}
	var added []Tenant
	var errs []error
	for i, c := range changes {
		id := c.ID
		if id == "" && c.Tenant != nil {
			id = c.Tenant.ID
		}
		key, found := tenantKey(id), false
		if id != "" {
			n := len(added)
			added = slices.DeleteFunc(added, func(t Tenant) bool { return tenantKey(t.ID) == key })
			found = len(added) < n
			if s, ok := d.index(id); ok {
				if _, gone := removed[s]; !gone {
					removed[s], found = struct{}{}, true
				}
			}
		}
		if !found && c.Tenant == nil {
			errs = append(errs, &ChangeError{Index: i, ID: id, Msg: ErrNoTenant.Error()})
		}
		if c.Tenant != nil {
			added = append(added, *c.Tenant)
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	old := make([]int32, 0, len(removed))
	for s := range removed {
		old = append(old, s)
	}
	slices.Sort(old)
	return old, added, nil
}

// tenantOf returns the tenant in slot s as NewDirectory was given it.
func (d *Directory) tenantOf(s int32) Tenant {
	rec := d.rec(s)
	t := rec.Tenant
	t.OutboundConnectors = nil
	for c := range rec.outboundConnectors() {
		t.OutboundConnectors = append(t.OutboundConnectors, *c)
	}
	return t
}

// partners returns the unchanged tenants of d that the added tenants
// share an ID, a name or a login with, and whether some added tenant's
// MatchSubDomains domain covers a name of an unchanged tenant (which
// only a scan can name).
func (d *Directory) partners(added []Tenant, removed []int32, isRemoved func(int32) bool) (map[int32]bool, bool) {
	out := map[int32]bool{}
	other := func(s int32) {
		if !isRemoved(s) {
			out[s] = true
		}
	}
	scan := false
	for i := range added {
		t := &added[i]
		if s, ok := d.index(t.ID); ok && t.ID != "" {
			other(s)
		}
		for _, a := range t.AcceptedDomains {
			if !a.Name.IsValid() {
				continue
			}
			if d.domains != nil {
				for _, owner := range d.domains.Covering(a.Name) {
					other(owner)
				}
			}
			if a.MatchSubDomains && d.unchangedBelow(a.Name, removed) > 0 {
				scan = true
			}
		}
		for _, l := range t.SubmissionLogins {
			if r, ok := d.logins.Get(strings.ToLower(l.Login)); ok {
				other(r.tenant)
			}
		}
	}
	return out, scan
}

// unchangedBelow counts the accepted domains strictly below n of the
// tenants of d that stay.
func (d *Directory) unchangedBelow(n domain.Name, removed []int32) int {
	c := int(d.belowIndex().Value(n.String()))
	if c == 0 {
		return 0
	}
	for _, s := range removed {
		for _, a := range d.rec(s).AcceptedDomains {
			if a.Name != n && a.Name.IsSubdomainOf(n) {
				c--
			}
		}
	}
	return c
}

// coveredBy scans d for the unchanged tenants with an accepted domain
// below one of the added tenants' MatchSubDomains domains.
func (d *Directory) coveredBy(added []Tenant, isRemoved func(int32) bool) map[int32]bool {
	wild := map[string]bool{}
	for i := range added {
		for _, a := range added[i].AcceptedDomains {
			if a.MatchSubDomains && a.Name.IsValid() {
				wild[a.Name.String()] = true
			}
		}
	}
	out := map[int32]bool{}
	for s := range d.live() {
		if isRemoved(s) {
			continue
		}
		for _, a := range d.rec(s).AcceptedDomains {
			for p, ok := a.Name.Parent(); ok; p, ok = p.Parent() {
				if wild[p.String()] {
					out[s] = true
				}
			}
		}
	}
	return out
}

// finalPositions returns the position in the final tenant list of each
// tenant Apply builds: the partners (slots of d, ascending), then the n
// added tenants.
func (d *Directory) finalPositions(partners []int32, n int, isRemoved func(int32) bool) []int {
	pos := make([]int, 0, len(partners)+n)
	rank, j := 0, 0
	for s := range d.live() {
		if j < len(partners) && partners[j] == s {
			pos = append(pos, rank)
			j++
		}
		if !isRemoved(s) {
			rank++
		}
	}
	for i := range n {
		pos = append(pos, rank+i)
	}
	return pos
}

// belowIndex returns, for every name some accepted domain lies strictly
// below, how many do: what Apply needs to know whether a new
// MatchSubDomains domain covers another tenant's name. NewDirectory does
// not need it; the first Apply that does builds it, and each Apply keeps
// it up to date from then on.
func (d *Directory) belowIndex() pmap.Map[int32] {
	if d.below == nil {
		return pmap.Map[int32]{}
	}
	d.below.mu.Lock()
	defer d.below.mu.Unlock()
	if !d.below.built {
		b := pmap.NewBuilder(pmap.Map[int32]{}, 0)
		for s := range d.live() {
			countBelow(b, d.rec(s).AcceptedDomains, 1)
		}
		d.below.m, d.below.built = b.Map(), true
	}
	return d.below.m
}

// belowIndex is the lazily built index of Directory.belowIndex.
type belowIndex struct {
	mu    sync.Mutex
	built bool
	m     pmap.Map[int32]
}

// countBelow adds delta to the count of every proper parent of each
// accepted domain.
func countBelow(b *pmap.Builder[int32], ads []domain.AcceptedDomain, delta int32) {
	for _, a := range ads {
		for p, ok := a.Name.Parent(); ok; p, ok = p.Parent() {
			k := p.String()
			if c := b.Value(k) + delta; c == 0 {
				b.Delete(k)
			} else {
				b.Set(k, c)
			}
		}
	}
}

// merge makes the new snapshot: d without the removed slots (old,
// ascending), with recs appended. sd is the directory Apply built of the
// partners and the added tenants.
func (d *Directory) merge(old []int32, recs []tenantRec, sd *Directory) *Directory {
	nd := &Directory{options: d.options, dead: d.dead + len(old)}
	nd.chunks, nd.log = d.appendRecs(recs)
	nd.n = d.n + len(recs)
	base := int32(d.n) // slot of recs[0]

	byID := pmap.NewBuilder(d.byID, 0)
	logins := pmap.NewBuilder(d.logins, 0)
	domains := d.domains.Edit()
	for _, s := range old {
		rec := d.rec(s)
		if v, ok := byID.Get(tenantKey(rec.ID)); ok && v == s {
			byID.Delete(tenantKey(rec.ID))
		}
		for _, l := range rec.SubmissionLogins {
			if r, ok := logins.Get(strings.ToLower(l.Login)); ok && r.tenant == s {
				logins.Delete(strings.ToLower(l.Login))
			}
		}
		for _, a := range rec.AcceptedDomains {
			if v, ok := domains.Get(a.Pattern()); ok && v == s {
				domains.Delete(a.Pattern())
			}
		}
	}
	for i := range recs {
		rec, s := &recs[i], base+int32(i)
		byID.Set(tenantKey(rec.ID), s)
		for _, l := range rec.SubmissionLogins {
			k := strings.ToLower(l.Login)
			r, _ := sd.logins.Get(k)
			r.tenant = s
			logins.Set(k, r)
		}
		for _, a := range rec.AcceptedDomains {
			domains.Set(a.Pattern(), s)
		}
	}
	nd.byID, nd.logins, nd.domains = byID.Map(), logins.Map(), domains.Frozen()
	nd.certs = d.editCerts(old, recs, base)
	nd.ips = d.editIPs(old, recs, base)
	nd.below = &belowIndex{}
	if d.below != nil {
		d.below.mu.Lock()
		if d.below.built {
			b := pmap.NewBuilder(d.below.m, 0)
			for _, s := range old {
				countBelow(b, d.rec(s).AcceptedDomains, -1)
			}
			for i := range recs {
				countBelow(b, recs[i].AcceptedDomains, 1)
			}
			nd.below.m, nd.below.built = b.Map(), true
		}
		d.below.mu.Unlock()
	}
	return nd
}

// appendRecs returns d's chunks with recs appended, and the log of the
// new snapshot. Appending writes only past d.n, which no reader of d
// reads; a snapshot that is not the newest of its line copies its last
// partial chunk first, and starts a line of its own.
func (d *Directory) appendRecs(recs []tenantRec) ([]*[chunkSize]tenantRec, *tenantLog) {
	lg := d.log
	chunks := d.chunks
	tip := false
	if lg != nil {
		lg.mu.Lock()
		defer lg.mu.Unlock()
		tip = lg.n == d.n
	}
	if !tip {
		chunks = slices.Clone(d.chunks)
		if d.n%chunkSize != 0 {
			last := len(chunks) - 1
			c := *chunks[last]
			chunks[last] = &c
		}
		lg = &tenantLog{n: d.n}
		lg.mu.Lock()
		defer lg.mu.Unlock()
	}
	n := d.n
	for i := range recs {
		if n%chunkSize == 0 {
			chunks = append(chunks, new([chunkSize]tenantRec))
		}
		chunks[n>>chunkBits][n&(chunkSize-1)] = recs[i]
		n++
	}
	lg.n = n
	return chunks, lg
}

// editCerts returns d's certificate index without the removed slots'
// connectors, with those of recs (slots from base) added.
func (d *Directory) editCerts(old []int32, recs []tenantRec, base int32) *labeltree.Frozen[[]connRef] {
	e := d.certs.Edit()
	for _, s := range old {
		for _, c := range d.rec(s).InboundConnectors {
			if !c.Enabled || !c.TlsSenderCertificateName.IsValid() {
				continue
			}
			refs, _ := e.Get(c.TlsSenderCertificateName)
			keep := slices.DeleteFunc(slices.Clone(refs), func(r connRef) bool { return r.tenant == s })
			if len(keep) == 0 {
				e.Delete(c.TlsSenderCertificateName)
			} else {
				e.Set(c.TlsSenderCertificateName, keep)
			}
		}
	}
	for i := range recs {
		for ci, c := range recs[i].InboundConnectors {
			if !c.Enabled || !c.TlsSenderCertificateName.IsValid() {
				continue
			}
			refs, _ := e.Get(c.TlsSenderCertificateName)
			e.Set(c.TlsSenderCertificateName, append(slices.Clip(refs), connRef{base + int32(i), int32(ci)}))
		}
	}
	return e.Frozen()
}

// editIPs returns d's IP index without the removed slots' connectors,
// with those of recs (slots from base) added, by bart's persistent
// writes: the new table shares every node the change does not touch.
//
// Under each prefix the index holds the connectors of its longest
// stored supernet, then the connectors with that very prefix not among
// them (buildIPIndex). A change rewrites the prefixes it adds or drops
// and every stored prefix below them, shortest first, each from its new
// supernet's list.
func (d *Directory) editIPs(old []int32, recs []tenantRec, base int32) *bart.Table[[]connRef] {
	t := d.ips
	if t == nil {
		t = new(bart.Table[[]connRef])
	}
	gone := func(s int32) bool { _, ok := slices.BinarySearch(old, s); return ok }
	own := map[netip.Prefix][]connRef{} // the added connectors by prefix
	var touched []netip.Prefix
	for _, s := range old {
		for _, c := range d.rec(s).InboundConnectors {
			if c.Enabled {
				for _, p := range c.SenderIPAddresses {
					touched = append(touched, p.Masked())
				}
			}
		}
	}
	for i := range recs {
		for ci, c := range recs[i].InboundConnectors {
			if !c.Enabled {
				continue
			}
			ref := connRef{base + int32(i), int32(ci)}
			for _, p := range c.SenderIPAddresses {
				p = p.Masked()
				if !slices.Contains(own[p], ref) {
					own[p] = append(own[p], ref)
				}
				touched = append(touched, p)
			}
		}
	}
	if len(touched) == 0 {
		return t
	}
	affected := map[netip.Prefix]bool{}
	for _, p := range touched {
		affected[p] = true
		for q := range t.Subnets(p) {
			affected[q] = true
		}
	}
	order := make([]netip.Prefix, 0, len(affected))
	for p := range affected {
		order = append(order, p)
	}
	slices.SortFunc(order, func(a, b netip.Prefix) int {
		if a.Bits() != b.Bits() {
			return a.Bits() - b.Bits()
		}
		return a.Addr().Compare(b.Addr())
	})
	nt := t
	for _, q := range order {
		var mine []connRef // the connectors with exactly q, in order
		if refs, ok := t.Get(q); ok {
			for _, r := range refs {
				if !gone(r.tenant) && hasPrefix(d.conn(r).SenderIPAddresses, q) {
					mine = append(mine, r)
				}
			}
		}
		mine = append(mine, own[q]...)
		if len(mine) == 0 {
			if _, ok := nt.Get(q); ok {
				nt = nt.DeletePersist(q)
			}
			continue
		}
		var refs []connRef
		if q.Bits() > 0 {
			if _, sup, ok := nt.LookupPrefixLPM(netip.PrefixFrom(q.Addr(), q.Bits()-1).Masked()); ok {
				refs = slices.Clone(sup)
			}
		}
		for _, r := range mine {
			if !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
		nt = nt.InsertPersist(q, refs)
	}
	return nt
}

// hasPrefix reports whether q is one of ps, masked.
func hasPrefix(ps []netip.Prefix, q netip.Prefix) bool {
	for _, p := range ps {
		if p.Masked() == q {
			return true
		}
	}
	return false
}
