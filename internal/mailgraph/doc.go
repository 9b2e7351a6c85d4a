// Package mailgraph draws the mail flow of a mailflow configuration: its
// tenants, their accepted domains, inbound connectors (who may send in, by
// certificate or IP), outbound connectors (which recipient domains they
// carry, to which smart hosts or by MX) and the transport rules that route
// through rule-scoped connectors.
//
// # Vocabulary
//
// A [Graph] is a plain model of nodes and edges, built by [Build] from a
// directory and written by [WriteDOT] (Graphviz) or [WriteMermaid]; [SVG]
// renders DOT through Graphviz's dot program.
//
// Each tenant is a cluster. Its nodes are the tenant itself, its accepted
// domains, the other recipient-domain regions its outbound connectors name
// (an exact domain, the subdomains under a wildcard, "every other domain"),
// and its connectors. Smart hosts and "MX lookup" are shared by all
// tenants, so that two tenants relaying through one host show it. The
// edges are the routing decisions, each labelled with the rule that makes
// it:
//
//	region -> outbound connector   "exact contoso.com", "*.contoso.com (most specific)",
//	                               "all accepted domains", "* (any domain)"
//	tenant -> rule-scoped connector "rule: Sites when RecipientDomainIs contoso.com"
//	inbound connector -> tenant    "senders *", the connector's SenderDomains
//	outbound connector -> host     "smart host", or "UseMXRecord"
//
// The region edges are the answers of the tenant's outbound table
// ([connector.Table.Select] for a name, [connector.Table.SelectBelow] for
// the names under a wildcard or a MatchSubDomains domain), so they follow
// the table's precedence policy rather than restating it.
//
// # Size
//
// A drawing of thousands of nodes is unreadable. Build counts every node
// first and refuses with a [*TooLargeError] past [Filter.MaxNodes]
// ([DefaultMaxNodes] when zero), saying how many there would be; the
// filters [Filter.Tenant] and [Filter.Domain] draw one tenant, or what
// one domain touches. A graph is never drawn in part.
package mailgraph
