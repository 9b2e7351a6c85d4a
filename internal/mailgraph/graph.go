package mailgraph

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Kind says what a node stands for.
type Kind uint8

// The kinds of node.
const (
	KindTenant          Kind = iota + 1 // a tenant (the cluster's hub)
	KindAcceptedDomain                  // one of the tenant's accepted domains
	KindRecipientDomain                 // recipient names the tenant's connectors name, not accepted
	KindInbound                         // an inbound connector
	KindOutbound                        // an outbound connector
	KindSmartHost                       // a smart host (shared by all tenants)
	KindMX                              // delivery by the recipient domain's MX records (shared)
	KindMissing                         // a connector a transport rule names that does not exist
)

var kindNames = [...]string{"", "tenant", "accepted-domain", "recipient-domain", "inbound", "outbound", "smart-host", "mx", "missing"}

// String returns the kind's name: "tenant", "accepted-domain", ...
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Node is one box of the drawing.
type Node struct {
	// ID is unique in the graph and made of [a-z0-9_] only, so that it
	// needs no quoting in DOT or Mermaid: names go in Label.
	ID   string
	Kind Kind
	// Cluster is the index in Graph.Clusters of the tenant the node
	// belongs to; -1 for the shared nodes (smart hosts, MX).
	Cluster int
	// Label is the text, one line per element: the name first.
	Label []string
	// Inactive marks what does not act: a disabled connector, one in
	// test mode, a missing one.
	Inactive bool
}

// Style is how an edge is drawn.
type Style uint8

// The edge styles.
const (
	Solid  Style = iota // a decision that is made
	Dashed              // one that is not: a disabled rule, a rule in audit mode
	Dotted              // a candidate that loses to another (with Filter.Domain)
)

// Edge is one arrow: mail goes from From to To, for the reason in Label.
type Edge struct {
	From, To string
	Label    string
	Style    Style
}

// Cluster is one tenant's box.
type Cluster struct {
	ID     string // [a-z0-9_] only
	Tenant string // the tenant's ID
}

// Graph is a drawing's model: clusters (tenants), nodes and edges, in a
// stable order (the configuration's).
type Graph struct {
	// Title says what is drawn: "tenant contoso", "domain contoso.com",
	// "all tenants".
	Title    string
	Clusters []Cluster
	Nodes    []Node
	Edges    []Edge
}

// DefaultMaxNodes is the size past which Build refuses to draw when
// Filter.MaxNodes is zero: beyond it a drawing is no longer readable.
const DefaultMaxNodes = 500

// Filter says what to draw; the zero Filter draws every tenant.
type Filter struct {
	// Tenant draws only the tenant with this ID (ignoring case), found
	// by the directory's index.
	Tenant string
	// Domain, when valid, draws what concerns this one domain: the
	// tenant that accepts it, and every tenant whose connectors or
	// transport rules name it or a pattern covering it (not "*"); in each,
	// only the accepted domains covering it, the connectors that could
	// carry it (the losers dotted, with why), the inbound connectors
	// whose SenderDomains or certificate name match it, and the routing
	// rules that may apply to it.
	Domain domain.Name
	// MaxNodes is the largest graph Build draws; 0 means DefaultMaxNodes,
	// a negative value no limit.
	MaxNodes int
}

// TooLargeError is Build's refusal to draw a graph past Filter.MaxNodes.
type TooLargeError struct {
	// Nodes is how many nodes the graph would have, in Tenants tenants;
	// Max the limit.
	Nodes, Tenants, Max int
}

// Error says how large the graph would be and what to do.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("mailgraph: the graph would have %d nodes (%d tenant(s)), more than %d, too many to read: draw one tenant or one domain", e.Nodes, e.Tenants, e.Max)
}

// FilterError is a filter that selects nothing: no such tenant, or a
// domain no tenant accepts or names.
type FilterError struct {
	Filter string // "tenant" or "domain"
	Value  string
	Msg    string
}

// Error returns "mailgraph: tenant "x": no such tenant".
func (e *FilterError) Error() string {
	return fmt.Sprintf("mailgraph: %s %q: %s", e.Filter, e.Value, e.Msg)
}

// Build draws the tenants of dir that f selects. It reports a
// *FilterError when f selects nothing, and a *TooLargeError, with the
// number of nodes there would be, past f.MaxNodes. With f.Tenant, the
// tenant is found through the directory's index: the size of the rest of
// the directory does not matter.
func Build(dir *attribution.Directory, f Filter) (*Graph, error) {
	max := f.MaxNodes
	if max == 0 {
		max = DefaultMaxNodes
	}
	b := &builder{g: &Graph{}, max: max, dom: f.Domain, hosts: map[string]string{}}
	switch {
	case f.Tenant != "":
		t, ok := dir.Tenant(f.Tenant)
		if !ok {
			return nil, &FilterError{"tenant", f.Tenant, "no such tenant (tenants: " + someIDs(dir) + ")"}
		}
		if f.Domain.IsValid() && !b.relevant(dir, t) {
			return nil, &FilterError{"domain", f.Domain.String(), "tenant " + t.ID + " neither accepts it nor names it in a connector or a transport rule"}
		}
		b.g.Title = "tenant " + t.ID
		b.tenant(t, table(dir, t.ID))
	default:
		b.g.Title = "all tenants"
		if f.Domain.IsValid() {
			b.g.Title = "domain " + f.Domain.String()
		}
		for _, id := range dir.Tenants() {
			t, _ := dir.Tenant(id)
			if f.Domain.IsValid() && !b.relevant(dir, t) {
				continue
			}
			b.tenant(t, table(dir, t.ID))
		}
		if b.tenants == 0 && f.Domain.IsValid() {
			return nil, &FilterError{"domain", f.Domain.String(), "no tenant accepts it or names it in a connector or a transport rule"}
		}
	}
	if b.over() {
		return nil, &TooLargeError{Nodes: b.total, Tenants: b.tenants, Max: max}
	}
	return b.g, nil
}

func table(dir *attribution.Directory, id string) *connector.Table {
	t, _ := dir.OutboundTable(id)
	if t == nil {
		t = &connector.Table{}
	}
	return t
}

// someIDs lists up to five tenant IDs of dir, for messages.
func someIDs(dir *attribution.Directory) string {
	ids := dir.Tenants()
	if len(ids) > 5 {
		return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// builder builds the graph tenant by tenant. Past the limit it goes on
// counting, dropping what it built, so that the refusal can say how many
// nodes there would be without holding them.
type builder struct {
	g       *Graph
	max     int
	total   int // nodes counted, kept or not
	tenants int
	dom     domain.Name
	hosts   map[string]string // smart host (as written) -> node ID
	mx      bool              // the MX node exists

	// per tenant
	ci      int               // cluster index
	prefix  string            // node ID prefix: "t3_"
	hub     string            // the tenant node
	outIDs  map[string]string // lower-case connector name -> node ID
	regions map[string]string // region key -> node ID
	nextID  map[byte]int
	tbl     *connector.Table
	dis     []connector.Disagreement
}

func (b *builder) over() bool { return b.max >= 0 && b.total > b.max }

func (b *builder) add(n Node) string {
	b.total++
	b.g.Nodes = append(b.g.Nodes, n)
	return n.ID
}

// id returns the next node ID of kind letter c in the current tenant.
func (b *builder) id(c byte) string {
	k := b.nextID[c]
	b.nextID[c] = k + 1
	return b.prefix + string(c) + strconv.Itoa(k)
}

func (b *builder) edge(from, to, label string, s Style) {
	b.g.Edges = append(b.g.Edges, Edge{From: from, To: to, Label: label, Style: s})
}

// tenant draws t, whose outbound table is tbl.
func (b *builder) tenant(t attribution.Tenant, tbl *connector.Table) {
	b.ci = len(b.g.Clusters)
	b.prefix = "t" + strconv.Itoa(b.tenants) + "_"
	b.tenants++
	b.outIDs, b.regions, b.nextID, b.tbl = map[string]string{}, map[string]string{}, map[byte]int{}, tbl
	b.dis = tbl.Disagreements()
	b.g.Clusters = append(b.g.Clusters, Cluster{ID: "c" + strconv.Itoa(b.tenants-1), Tenant: t.ID})
	hub := []string{t.ID, "tenant"}
	if t.RejectDirectSend {
		hub = append(hub, "RejectDirectSend")
	}
	b.hub = b.add(Node{ID: b.prefix + "t", Kind: KindTenant, Cluster: b.ci, Label: hub})

	accepted := b.acceptedDomains(t)
	if !b.dom.IsValid() {
		for c := range tbl.Connectors() {
			b.outbound(c)
		}
		b.regionsAll(t, accepted)
	} else {
		b.regionsDomain(t, accepted)
	}
	b.inbound(t, accepted)
	b.rules(t)

	if b.over() { // keep counting, hold nothing
		b.g.Nodes, b.g.Edges, b.g.Clusters = b.g.Nodes[:0], b.g.Edges[:0], b.g.Clusters[:0]
	}
}

// acceptedDomains draws the accepted domains (with Filter.Domain, those
// covering it) and returns their node IDs by name.
func (b *builder) acceptedDomains(t attribution.Tenant) map[domain.Name]string {
	ids := map[domain.Name]string{}
	for _, ad := range t.AcceptedDomains {
		if b.dom.IsValid() && !ad.Covers(b.dom) {
			continue
		}
		label := []string{ad.Name.String(), "accepted, " + ad.Type.String()}
		if ad.MatchSubDomains {
			label = append(label, "MatchSubDomains: every subdomain too")
		}
		ids[ad.Name] = b.add(Node{ID: b.id('a'), Kind: KindAcceptedDomain, Cluster: b.ci, Label: label})
	}
	return ids
}

// outbound returns the node of connector c, drawing it and its
// destinations the first time.
func (b *builder) outbound(c *connector.Outbound) string {
	key := strings.ToLower(c.Name)
	if id, ok := b.outIDs[key]; ok {
		return id
	}
	kind := "outbound, " + c.ConnectorType.String()
	if c.IsTransportRuleScoped {
		kind += ", rule-scoped"
	}
	label := []string{c.Name, kind}
	if c.RouteAllMessagesViaOnPremises {
		label = append(label, "RouteAllMessagesViaOnPremises")
	}
	if c.TlsSettings != 0 {
		tls := "TLS " + c.TlsSettings.String()
		if c.TlsDomain.IsValid() {
			tls += " " + c.TlsDomain.String()
		}
		label = append(label, tls)
	}
	inactive := !c.Enabled || c.TestMode
	switch {
	case !c.Enabled:
		label = append(label, "disabled")
	case c.TestMode:
		label = append(label, "test mode: never selected")
	}
	id := b.add(Node{ID: b.id('o'), Kind: KindOutbound, Cluster: b.ci, Label: label, Inactive: inactive})
	b.outIDs[key] = id
	style := Solid
	if inactive {
		style = Dashed
	}
	if c.UseMXRecord {
		b.edge(id, b.mxNode(), "UseMXRecord", style)
	} else {
		for _, h := range c.SmartHosts {
			b.edge(id, b.host(h.String()), "smart host", style)
		}
	}
	return id
}

func (b *builder) mxNode() string {
	if !b.mx {
		b.mx = true
		b.add(Node{ID: "mx", Kind: KindMX, Cluster: -1, Label: []string{"MX lookup", "the recipient domain's MX records"}})
	}
	return "mx"
}

func (b *builder) host(h string) string {
	key := strings.ToLower(h)
	if id, ok := b.hosts[key]; ok {
		return id
	}
	id := "h" + strconv.Itoa(len(b.hosts))
	b.hosts[key] = id
	b.add(Node{ID: id, Kind: KindSmartHost, Cluster: -1, Label: []string{h, "smart host"}})
	return id
}

// region returns the node of a region of recipient names that is not an
// accepted domain, drawing it the first time.
func (b *builder) region(key string, label ...string) (string, bool) {
	if id, ok := b.regions[key]; ok {
		return id, false
	}
	id := b.add(Node{ID: b.id('r'), Kind: KindRecipientDomain, Cluster: b.ci, Label: label})
	b.regions[key] = id
	return id, true
}

// regionsAll draws every recipient region of the tenant's outbound table
// and the connector that carries it: the accepted domains (and the
// subdomains of MatchSubDomains ones), the exact names and wildcard
// subtrees the connectors list, and every other domain.
func (b *builder) regionsAll(t attribution.Tenant, accepted map[domain.Name]string) {
	known := map[domain.Name]bool{}
	for n := range accepted {
		known[n] = true
	}
	for _, ad := range t.AcceptedDomains {
		id := accepted[ad.Name]
		sel := b.tbl.Select(ad.Name)
		b.route(id, sel, ad.Name, true, "")
		if ad.MatchSubDomains {
			if below := b.tbl.SelectBelow(ad.Name); below != sel {
				b.route(id, below, probe(ad.Name), true, "subdomains: ")
			}
		}
	}
	var any *connector.Outbound
	var pats []domain.Pattern
	for c := range b.tbl.Connectors() {
		if !c.Enabled || c.TestMode || c.IsTransportRuleScoped {
			continue
		}
		for _, p := range c.RecipientDomains {
			if p.Kind() == domain.Any {
				any = c
				continue
			}
			if p.Kind() == domain.Exact {
				known[p.Base()] = true
			}
			pats = append(pats, p)
		}
	}
	for _, p := range pats {
		x := p.Base()
		switch p.Kind() {
		case domain.Exact:
			if _, ok := accepted[x]; ok {
				continue
			}
			if id, fresh := b.region(x.String(), x.String(), "recipient domain"); fresh {
				b.route(id, b.tbl.Select(x), x, false, "")
			}
		case domain.Wildcard:
			what := x.String() + " and every subdomain"
			if known[x] {
				what = "other subdomains of " + x.String()
			}
			if id, fresh := b.region(p.String(), p.String(), what); fresh {
				below := b.tbl.SelectBelow(x)
				b.route(id, below, probe(x), false, "")
				if !known[x] {
					if sel := b.tbl.Select(x); sel != below {
						rid, _ := b.region(x.String(), x.String(), "recipient domain")
						b.route(rid, sel, x, false, "")
					}
				}
			}
		}
	}
	id, _ := b.region("*", "*", "every other recipient domain")
	if any != nil {
		b.edge(id, b.outbound(any), "* (any domain)", Solid)
	} else {
		b.edge(id, b.mxNode(), "default routing", Solid)
	}
}

// regionsDomain draws the one region Filter.Domain is and every connector
// that claims it: the chosen one solid, the others dotted with why they
// lose.
func (b *builder) regionsDomain(t attribution.Tenant, accepted map[domain.Name]string) {
	d := b.dom
	id, isAccepted := accepted[d]
	if !isAccepted {
		id, _ = b.region(d.String(), d.String(), "recipient domain")
	}
	owned := false
	for _, ad := range t.AcceptedDomains {
		owned = owned || ad.Covers(d)
	}
	ex := b.tbl.Explain(d)
	chosen := false
	for _, c := range ex.Candidates {
		switch {
		case c.Chosen:
			chosen = true
			b.route(id, ex.Selection, d, owned, "")
		case c.Connector.IsTransportRuleScoped:
			// drawn by the rules that name it
		case c.Rule == connector.RuleNone && c.Connector.Enabled && !c.Connector.TestMode:
		default:
			style := Dotted
			if !c.Connector.Enabled || c.Connector.TestMode {
				style = Dashed
			}
			b.edge(id, b.outbound(c.Connector), "loses: "+c.Why, style)
		}
	}
	if !chosen {
		b.route(id, connector.Selection{}, d, owned, "")
	}
}

// route draws the edge from region node id to the connector sel chose for
// the name n; none for an accepted domain (its mail stays in the tenant),
// MX for any other.
func (b *builder) route(id string, sel connector.Selection, n domain.Name, accepted bool, prefix string) {
	c := sel.Connector()
	switch {
	case c == nil && accepted:
		b.note(id, prefix+"no outbound connector: delivered in the tenant")
		return
	case c == nil:
		b.edge(id, b.mxNode(), prefix+"default routing", Solid)
		return
	}
	b.edge(id, b.outbound(c), prefix+b.ruleLabel(sel, n), Solid)
}

// note adds a line to the label of node id, one of the current tenant's.
func (b *builder) note(id, line string) {
	for i := len(b.g.Nodes) - 1; i >= 0; i-- {
		if b.g.Nodes[i].ID == id {
			b.g.Nodes[i].Label = append(b.g.Nodes[i].Label, line)
			return
		}
	}
}

// ruleLabel says which rule of the table's precedence chose sel for n:
// "exact contoso.com", "*.contoso.com (most specific)", "all accepted
// domains (listed order)" — the qualifier when the other policy would
// choose another connector for n.
func (b *builder) ruleLabel(sel connector.Selection, n domain.Name) string {
	var s string
	switch sel.Rule() {
	case connector.RuleExact:
		s = "exact " + sel.Pattern().String()
	case connector.RuleWildcard:
		s = sel.Pattern().String()
	case connector.RuleAllAccepted:
		s = "all accepted domains"
	case connector.RuleAny:
		s = "* (any domain)"
	default:
		return sel.Rule().String()
	}
	if n.IsValid() && b.disagrees(n) {
		if b.tbl.Precedence() == connector.MostSpecific {
			s += " (most specific)"
		} else {
			s += " (listed order)"
		}
	}
	return s
}

// disagrees reports whether the two precedence policies choose different
// connectors for n.
func (b *builder) disagrees(n domain.Name) bool {
	for _, d := range b.dis {
		if d.Pattern.Match(n) && !slices.ContainsFunc(d.Except, func(p domain.Pattern) bool { return p.Match(n) }) {
			return true
		}
	}
	return false
}

// probe is a name strictly below x that stands for the names below it
// (the zero Name when x is too long for one).
func probe(x domain.Name) domain.Name {
	n, _ := domain.Parse("mailgraph-probe." + x.String())
	return n
}

// inbound draws the tenant's inbound connectors (with Filter.Domain, those
// whose SenderDomains or certificate name match it) and their edges to
// the tenant, or to the accepted domains they are limited to.
func (b *builder) inbound(t attribution.Tenant, accepted map[domain.Name]string) {
	for _, c := range t.InboundConnectors {
		if b.dom.IsValid() && !slices.ContainsFunc(c.SenderDomains, func(p domain.Pattern) bool { return p.Match(b.dom) }) &&
			!c.TlsSenderCertificateName.Match(b.dom) {
			continue
		}
		label := []string{c.Name, "inbound, " + c.ConnectorType.String()}
		if c.TlsSenderCertificateName.IsValid() {
			label = append(label, "certificate "+c.TlsSenderCertificateName.String())
		}
		if len(c.SenderIPAddresses) > 0 {
			ips := make([]string, len(c.SenderIPAddresses))
			for i, p := range c.SenderIPAddresses {
				ips[i] = p.String()
				if p.IsSingleIP() {
					ips[i] = p.Addr().String()
				}
			}
			label = append(label, "IP "+some(ips))
		}
		var flags []string
		if c.RequireTls {
			flags = append(flags, "RequireTls")
		}
		if c.RestrictDomainsToCertificate {
			flags = append(flags, "restricted to the certificate")
		}
		if c.RestrictDomainsToIPAddresses {
			flags = append(flags, "restricted to the IPs")
		}
		if len(flags) > 0 {
			label = append(label, strings.Join(flags, ", "))
		}
		style := Solid
		if !c.Enabled {
			label, style = append(label, "disabled"), Dashed
		}
		id := b.add(Node{ID: b.id('i'), Kind: KindInbound, Cluster: b.ci, Label: label, Inactive: !c.Enabled})
		senders := make([]string, len(c.SenderDomains))
		for i, p := range c.SenderDomains {
			senders[i] = p.String()
		}
		what := "senders " + some(senders)
		var to []string
		for _, n := range c.AssociatedAcceptedDomains {
			if a, ok := accepted[n]; ok {
				to = append(to, a)
			}
		}
		if len(c.AssociatedAcceptedDomains) == 0 || (len(to) == 0 && b.dom.IsValid()) {
			to = []string{b.hub}
		}
		for _, dst := range to {
			b.edge(id, dst, what, style)
		}
	}
}

// rules draws the transport rules that route through a connector, in
// priority order, as edges from the tenant (with Filter.Domain, those
// whose RecipientDomainIs, if any, covers it).
func (b *builder) rules(t attribution.Tenant) {
	rs := slices.Clone(t.TransportRules)
	slices.SortStableFunc(rs, func(x, y attribution.TransportRule) int { return cmp.Compare(x.Priority, y.Priority) })
	for _, r := range rs {
		if r.RouteMessageOutboundConnector == "" {
			continue
		}
		if b.dom.IsValid() && len(r.Conditions.RecipientDomainIs) > 0 &&
			!slices.ContainsFunc(r.Conditions.RecipientDomainIs, func(n domain.Name) bool { return under(b.dom, n) }) {
			continue
		}
		var to string
		if c, ok := b.tbl.ByName(r.RouteMessageOutboundConnector); ok {
			to = b.outbound(c)
		} else {
			key := "missing " + strings.ToLower(r.RouteMessageOutboundConnector)
			var found bool
			if to, found = b.regions[key]; !found {
				to = b.add(Node{ID: b.id('m'), Kind: KindMissing, Cluster: b.ci, Label: []string{r.RouteMessageOutboundConnector, "no such outbound connector"}, Inactive: true})
				b.regions[key] = to
			}
		}
		label, style := ruleText(r), Solid
		switch {
		case r.State != attribution.RuleEnabled:
			label, style = label+" ("+r.State.String()+")", Dashed
		case r.Mode != attribution.ModeEnforce:
			label, style = label+" ("+r.Mode.String()+" mode: routes nothing)", Dashed
		}
		b.edge(b.hub, to, label, style)
	}
}

// relevant reports whether tenant t concerns Filter.Domain: it accepts
// it, or names it or a pattern covering it (other than "*") in a
// connector or a transport rule.
func (b *builder) relevant(dir *attribution.Directory, t attribution.Tenant) bool {
	d := b.dom
	if owner, _, ok := dir.Owner(d); ok && strings.EqualFold(owner, t.ID) {
		return true
	}
	names := func(ps []domain.Pattern) bool {
		return slices.ContainsFunc(ps, func(p domain.Pattern) bool { return p.Kind() != domain.Any && p.Match(d) })
	}
	for _, c := range t.OutboundConnectors {
		if names(c.RecipientDomains) {
			return true
		}
	}
	for _, c := range t.InboundConnectors {
		if names(c.SenderDomains) || c.TlsSenderCertificateName.Match(d) {
			return true
		}
	}
	covers := func(n domain.Name) bool { return under(d, n) }
	for _, r := range t.TransportRules {
		if slices.ContainsFunc(r.Conditions.RecipientDomainIs, covers) || slices.ContainsFunc(r.Conditions.SenderDomainIs, covers) {
			return true
		}
	}
	return false
}

// under reports whether n is d or below it.
func under(n, d domain.Name) bool {
	return n == d || strings.HasSuffix(n.String(), "."+d.String())
}
