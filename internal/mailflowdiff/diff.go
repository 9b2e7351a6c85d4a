// Package mailflowdiff compares two mailflow configurations by their
// decisions, not their text: which recipient names route through another
// connector, smart host or transport rule, and which inbound sessions are
// attributed, admitted or relayed differently.
//
// The comparison is exact. The decisions of a name depend only on which
// patterns of the two configurations match it, so the names are split into
// regions by those patterns, and one representative name per region is
// asked (the pattern's own name; a name under it that no deeper pattern
// covers; a name outside every pattern). IP addresses are split the same
// way, into the disjoint ranges the prefixes of both configurations cut.
// Only tenants whose records differ are compared; the inbound probes are
// still answered by the whole directories, so that a change of one
// tenant's accepted domains shows in the sessions of every tenant.
package mailflowdiff

import (
	"cmp"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Side is one of the two configurations: its tenants as loaded and the
// directory built from them.
type Side struct {
	Tenants   []attribution.Tenant
	Directory *attribution.Directory
}

// Scope says what a change is about.
type Scope string

// The scopes, most impactful first.
const (
	ScopeTenant     Scope = "tenant"     // a tenant added or removed
	ScopeEverything Scope = "everything" // names outside every pattern
	ScopeSubtree    Scope = "subtree"    // names under a domain that no deeper pattern covers
	ScopeName       Scope = "name"       // one exact name
	ScopeInbound    Scope = "inbound"    // an inbound session
)

// Change is one decision that differs between the two configurations.
type Change struct {
	// Tenant is the tenant the change belongs to: the sending tenant of
	// an outbound change, the tenant that generated the inbound probe.
	Tenant string `json:"tenant"`
	// Direction is "outbound" or "inbound" (or "tenant").
	Direction string `json:"direction"`
	// Scope and Region say which names (or sessions) change:
	// Region is "contoso.com", "*.contoso.com", "everything else", or an
	// inbound session ("from 192.0.2.0-192.0.2.255, cert none, sender
	// *.fabrikam.com, TLS 1.2").
	Scope  Scope  `json:"scope"`
	Region string `json:"region"`
	// Example is the representative name (or address) that was asked.
	Example string `json:"example"`
	// Old and New are the decisions, in words.
	Old string `json:"old"`
	New string `json:"new"`
	// Sessions counts, for an inbound change, the probe sessions that
	// change the same way (Region and Example are the first of them).
	Sessions int `json:"sessions,omitempty"`
}

// Report is the result of [Compare].
type Report struct {
	// Changes are sorted per tenant, most impactful first.
	Changes []Change `json:"changes"`
	// ChangedTenants are the tenants whose records differ (added and
	// removed ones included), in ID order.
	ChangedTenants []string `json:"changed_tenants"`
}

// Compare reports every decision that differs between old and new.
func Compare(old, new Side) *Report {
	changed, oldByID, newByID := changedTenants(old.Tenants, new.Tenants)
	rep := &Report{}
	find := func(ts []attribution.Tenant, byID map[string]int, id string) (attribution.Tenant, bool) {
		if i, ok := byID[strings.ToLower(id)]; ok {
			return ts[i], true
		}
		return attribution.Tenant{}, false
	}
	var probed []attribution.Tenant // the changed tenants in both configurations
	for _, id := range changed {
		rep.ChangedTenants = append(rep.ChangedTenants, id)
		ot, oOK := find(old.Tenants, oldByID, id)
		nt, nOK := find(new.Tenants, newByID, id)
		if oOK {
			probed = append(probed, ot)
		}
		if nOK {
			probed = append(probed, nt)
		}
		switch {
		case !oOK:
			rep.Changes = append(rep.Changes, Change{Tenant: id, Direction: "tenant", Scope: ScopeTenant, Region: "tenant " + id, Old: "absent", New: "added"})
		case !nOK:
			rep.Changes = append(rep.Changes, Change{Tenant: id, Direction: "tenant", Scope: ScopeTenant, Region: "tenant " + id, Old: "present", New: "removed"})
		}
		if oOK && nOK {
			rep.Changes = append(rep.Changes, outbound(id, ot, nt, old.Directory, new.Directory)...)
		}
	}
	if len(changed) > 0 {
		rep.Changes = append(rep.Changes, inbound(old, new, probed, changed[0])...)
	}
	slices.SortStableFunc(rep.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(impact(a.Scope), impact(b.Scope)),
			cmp.Compare(a.Direction, b.Direction), cmp.Compare(strings.Count(a.Example, "."), strings.Count(b.Example, ".")),
			cmp.Compare(a.Region, b.Region))
	})
	return rep
}

func impact(s Scope) int {
	return slices.Index([]Scope{ScopeTenant, ScopeEverything, ScopeSubtree, ScopeName, ScopeInbound}, s)
}

// changedTenants returns the IDs of the tenants whose records differ, in
// ID order (lower case compares, the case of the newer spelling kept),
// and the index of each tenant of old and new by its lower-case ID.
func changedTenants(old, new []attribution.Tenant) ([]string, map[string]int, map[string]int) {
	byID := make(map[string]int, len(old))
	for i, t := range old {
		byID[strings.ToLower(t.ID)] = i
	}
	var out []string
	seen := make(map[string]int, len(new))
	for j, t := range new {
		k := strings.ToLower(t.ID)
		seen[k] = j
		i, ok := byID[k]
		if !ok || !reflect.DeepEqual(normal(old[i]), normal(t)) {
			out = append(out, t.ID)
		}
	}
	for _, t := range old {
		if _, ok := seen[strings.ToLower(t.ID)]; !ok {
			out = append(out, t.ID)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out, byID, seen
}

// normal makes empty and nil lists equal, for comparing tenants.
func normal(t attribution.Tenant) attribution.Tenant {
	t.ID = strings.ToLower(t.ID)
	if len(t.AcceptedDomains) == 0 {
		t.AcceptedDomains = nil
	}
	if len(t.InboundConnectors) == 0 {
		t.InboundConnectors = nil
	}
	if len(t.OutboundConnectors) == 0 {
		t.OutboundConnectors = nil
	}
	if len(t.SendAs) == 0 {
		t.SendAs = nil
	}
	if len(t.SubmissionLogins) == 0 {
		t.SubmissionLogins = nil
	}
	if len(t.TransportRules) == 0 {
		t.TransportRules = nil
	}
	return t
}

// names collects the names patterns are made of.
type names map[string]domain.Name

func (ns names) add(n domain.Name) {
	if n.IsValid() {
		ns[n.Key()] = n
	}
}

func (ns names) pattern(p domain.Pattern) {
	if p.Kind() == domain.Exact || p.Kind() == domain.Wildcard {
		ns.add(p.Base())
	}
}

// outboundNames are the names whose patterns decide the routes of tenant t.
func outboundNames(ns names, t attribution.Tenant) {
	for _, a := range t.AcceptedDomains {
		ns.add(a.Name)
	}
	for _, c := range t.OutboundConnectors {
		for _, p := range c.RecipientDomains {
			ns.pattern(p)
		}
	}
	for _, r := range t.TransportRules {
		for _, p := range []*attribution.Predicates{&r.Conditions, &r.Exceptions} {
			for _, n := range p.RecipientDomainIs {
				ns.add(n)
			}
		}
	}
}

// probeLabel is a first label that no pattern of ns uses, so that
// probeLabel.m is covered by no pattern deeper than m.
func probeLabel(ns names) string {
	used := make(map[string]bool)
	for _, n := range ns {
		for l := range strings.SplitSeq(n.Key(), ".") {
			used[l] = true
		}
	}
	for i := 0; ; i++ {
		l := "mailflow-probe"
		if i > 0 {
			l += fmt.Sprint(i)
		}
		if !used[l] {
			return l
		}
	}
}

// Region is one class of recipient names that every pattern of both
// configurations treats alike, with the name that represents it.
type Region struct {
	Scope   Scope
	Text    string
	Example domain.Name
}

// Regions splits the recipient names of tenants olds and news (the same
// tenant in the two configurations) into regions: every pattern name,
// every subtree below a pattern name, and everything else.
func Regions(tenants ...attribution.Tenant) []Region {
	ns := names{}
	for _, t := range tenants {
		outboundNames(ns, t)
	}
	return regionsOf(ns)
}

func regionsOf(ns names) []Region {
	label := probeLabel(ns)
	keys := make([]string, 0, len(ns))
	for k := range ns {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rs := []Region{{Scope: ScopeEverything, Text: "everything else", Example: domain.MustParse(label + ".example")}}
	for _, k := range keys {
		n := ns[k]
		rs = append(rs, Region{Scope: ScopeName, Text: n.String(), Example: n})
		if sub, err := domain.Parse(label + "." + n.String()); err == nil {
			rs = append(rs, Region{Scope: ScopeSubtree, Text: "*." + n.String() + " (names no deeper pattern covers)", Example: sub})
		}
	}
	return rs
}

// RegionOf returns the region of rs that n falls in: n's own name, else
// the subtree of its nearest ancestor that is a pattern name, else
// everything else.
func RegionOf(rs []Region, n domain.Name) Region {
	idx := make(map[string]int, len(rs))
	for i, r := range rs {
		if r.Scope == ScopeName {
			idx[r.Example.Key()] = i
		}
	}
	if i, ok := idx[n.Key()]; ok {
		return rs[i]
	}
	for p, ok := n.Parent(); ok; p, ok = p.Parent() {
		if i, ok := idx[p.Key()]; ok && i+1 < len(rs) && rs[i+1].Scope == ScopeSubtree {
			return rs[i+1]
		}
	}
	return rs[0]
}

// RouteDecision is what tenant id of dir does with mail to a recipient in
// n, in words: the connector (or default routing), its smart hosts, and
// the transport rules that route it or may.
func RouteDecision(dir *attribution.Directory, id string, n domain.Name) string {
	ex, ok := dir.ExplainRoute(id, attribution.Envelope{Recipient: attribution.ParseAddress("postmaster@" + n.String())})
	if !ok {
		return "no such tenant"
	}
	var b strings.Builder
	c := ex.Domain.Selection.Connector()
	if ex.Decided >= 0 {
		c = ex.Connector
		b.WriteString("transport rule " + ex.Rules[ex.Decided].Rule + " -> ")
	}
	b.WriteString(connText(c))
	for i, r := range ex.Rules {
		if i != ex.Decided && r.Connector != "" {
			b.WriteString("; may: rule " + r.Rule + " -> " + r.Connector)
		}
	}
	return b.String()
}

func connText(c *connector.Outbound) string {
	if c == nil {
		return "default routing (MX)"
	}
	s := c.Name
	if len(c.SmartHosts) > 0 {
		hs := make([]string, len(c.SmartHosts))
		for i, h := range c.SmartHosts {
			hs[i] = h.String()
		}
		s += " via " + strings.Join(hs, ",")
	} else {
		s += " via MX"
	}
	return s
}

func outbound(id string, ot, nt attribution.Tenant, od, nd *attribution.Directory) []Change {
	var out []Change
	for _, r := range Regions(ot, nt) {
		a, b := RouteDecision(od, ot.ID, r.Example), RouteDecision(nd, nt.ID, r.Example)
		if a != b {
			out = append(out, Change{Tenant: id, Direction: "outbound", Scope: r.Scope, Region: r.Text, Example: r.Example.String(), Old: a, New: b})
		}
	}
	return out
}

// inbound probes, for the changed tenants' records: the disjoint IP
// ranges their prefixes (and the prefixes of other tenants that overlap
// them) cut, certificate names, sender domains and TLS, each session with
// every recipient region of the changed tenants as RCPT TO.
func inbound(old, new Side, ts []attribution.Tenant, owner string) []Change {
	var prefixes []netip.Prefix
	certs, senders, rcpts := names{}, names{}, names{}
	for _, t := range ts {
		for _, a := range t.AcceptedDomains {
			senders.add(a.Name)
			rcpts.add(a.Name)
		}
		for _, c := range t.InboundConnectors {
			prefixes = append(prefixes, c.SenderIPAddresses...)
			certs.pattern(c.TlsSenderCertificateName)
			for _, p := range c.SenderDomains {
				senders.pattern(p)
			}
		}
	}
	// Prefixes of unchanged tenants that overlap the changed ones cut the
	// ranges too.
	own := slices.Clone(prefixes)
	if len(own) > 0 {
		for _, side := range []Side{old, new} {
			for _, t := range side.Tenants {
				for _, c := range t.InboundConnectors {
					for _, p := range c.SenderIPAddresses {
						if slices.ContainsFunc(own, p.Overlaps) {
							prefixes = append(prefixes, p)
						}
					}
				}
			}
		}
	}
	ips := IPRanges(prefixes)
	certReps := []string{""}
	for _, r := range regionsOf(certs)[1:] {
		certReps = append(certReps, r.Example.String())
	}
	senderRegions := regionsOf(senders)
	rcptRegions := regionsOf(rcpts)
	rcptAddrs := make([]attribution.Address, len(rcptRegions))
	for i, r := range rcptRegions {
		rcptAddrs[i] = attribution.ParseAddress("postmaster@" + r.Example.String())
	}
	var out []Change
	same := map[[4]string]int{} // tenant, old, new, recipient region: index in out
	add := func(c Change, key string) {
		k := [4]string{c.Tenant, c.Old, c.New, key}
		if i, ok := same[k]; ok {
			out[i].Sessions++
			return
		}
		c.Sessions = 1
		same[k] = len(out)
		out = append(out, c)
	}
	for _, ipr := range ips {
		for _, cert := range certReps {
			for _, tlsv := range []uint16{0, 0x0303} {
				if cert != "" && tlsv == 0 {
					continue
				}
				for _, sr := range senderRegions {
					s := &attribution.Session{ClientIP: ipr.From, Port: 25, TLSVersion: tlsv,
						MailFrom: attribution.ParseAddress("probe@" + sr.Example.String()), RcptTo: rcptAddrs}
					if cert != "" {
						s.Certificate, _ = certmatch.ParseNames(cert)
					}
					a := old.Directory.Attribute(s)
					b := new.Directory.Attribute(s)
					region := fmt.Sprintf("from %s, cert %s, sender %s, TLS %s", ipr, cmp.Or(cert, "none"), sr.Text, attribution.TLSVersionName(tlsv))
					if x, y := sessionText(&a), sessionText(&b); x != y {
						add(Change{Tenant: cmp.Or(b.Tenant, a.Tenant, owner), Direction: "inbound", Scope: ScopeInbound, Region: region,
							Example: s.MailFrom.Text + " from " + ipr.From.String(), Old: x, New: y}, "")
					}
					for i := range rcptAddrs {
						x, y := rcptText(&a, i), rcptText(&b, i)
						if x != y {
							add(Change{Tenant: cmp.Or(b.Tenant, a.Tenant, owner), Direction: "inbound", Scope: ScopeInbound,
								Region: region + ", recipient " + rcptRegions[i].Text, Example: rcptAddrs[i].Text, Old: x, New: y}, rcptRegions[i].Text)
						}
					}
				}
			}
		}
	}
	return out
}

func sessionText(r *attribution.Result) string {
	return fmt.Sprintf("tenant %s, connector %s, %s by %s", cmp.Or(r.Tenant, "none"), cmp.Or(r.ConnectorName(), "none"), r.Path, r.Basis)
}

func rcptText(r *attribution.Result, i int) string {
	if i >= len(r.Recipients) {
		return "no decision"
	}
	x := r.Recipients[i]
	s := x.Disposition.String()
	if !x.Reply.IsZero() {
		s += " " + x.Reply.String()
	}
	return s // the route of a relayed recipient is the outbound decision
}

// IPRange is one of the disjoint address ranges [IPRanges] returns.
type IPRange struct{ From, To netip.Addr }

func (r IPRange) String() string {
	if r.From == r.To {
		return r.From.String()
	}
	return r.From.String() + "-" + r.To.String()
}

// IPRanges cuts the address space the prefixes cover into disjoint ranges
// in which every address is inside the same prefixes, and adds one range
// outside all of them (192.0.2.1, TEST-NET-1, when no prefix covers it).
func IPRanges(ps []netip.Prefix) []IPRange {
	cuts := []netip.Addr{netip.IPv4Unspecified()}
	for _, p := range ps {
		if p.Addr().Is6() && cuts[0].Is4() {
			cuts = append(cuts, netip.IPv6Unspecified())
		}
		p = p.Masked()
		cuts = append(cuts, p.Addr())
		if n := lastAddr(p).Next(); n.IsValid() {
			cuts = append(cuts, n)
		}
	}
	outside := netip.MustParseAddr("192.0.2.1")
	if !slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(outside) }) {
		cuts = append(cuts, outside)
	}
	slices.SortFunc(cuts, func(a, b netip.Addr) int { return a.Compare(b) })
	cuts = slices.Compact(cuts)
	// Every address is in exactly one range; the ranges of IPv4 and IPv6
	// do not mix (an IPv4 cut followed by an IPv6 one ends at 255.255.255.255).
	out := make([]IPRange, len(cuts))
	for i, c := range cuts {
		to := c
		if i+1 < len(cuts) && cuts[i+1].Is4() == c.Is4() {
			to = cuts[i+1].Prev()
		} else if c.Is4() {
			to = netip.MustParseAddr("255.255.255.255")
		} else {
			to = netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
		}
		out[i] = IPRange{From: c, To: to}
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range a {
		for j := 7; j >= 0; j-- {
			if i*8+(7-j) >= bits {
				a[i] |= 1 << j
			}
		}
	}
	r, _ := netip.AddrFromSlice(a)
	return r
}
