// Package connector models Exchange Online's mail-flow connectors and
// answers the outbound question: which connector carries mail for this
// recipient domain, and why.
//
// # Connectors
//
// An [Outbound] connector routes mail from the service to another system:
// the organisation's own servers (ConnectorType OnPremises) or a partner
// (Partner). It carries mail for the recipient domains it lists, exact
// (contoso.com), wildcard (*.contoso.com: contoso.com and every domain below
// it) or any (*); for every accepted domain (AllAcceptedDomains); or, when
// it is rule-scoped (IsTransportRuleScoped), only for mail a mail flow rule
// sends to it by name. An [Inbound] connector recognises mail arriving from
// another system, by sender IP address or TLS certificate name; the
// attribution package uses it.
//
// Both validate with the service's own rules ([Outbound.Validate],
// [Inbound.Validate]) and report every broken rule at once, each naming the
// connector and the field. What a general MTA may need but Exchange Online
// refuses (IPv6 sender addresses and smart hosts, sender ranges wider than
// /24) is accepted and listed by PortabilityIssues instead.
//
// # Selection
//
// A [Table] holds one organisation's outbound connectors and accepted
// domains. [Table.Select] picks the connector for a recipient domain among
// the candidates (enabled, not in test mode, not rule-scoped) by the first
// rule that finds one:
//
//	policy                   order                                      default
//	MostSpecific             exact, longest wildcard, all-accepted, *   yes
//	ListedOrder              exact, all-accepted, longest wildcard, *
//
// No rule: [RuleNone], default routing (MX lookup or local delivery).
//
// Microsoft's article lists the rules in the ListedOrder order, but its
// worked example (accepted domains contoso.com, sales.contoso.com,
// fabrikam.com and contoso.onmicrosoft.com; Connector 1 for all accepted
// domains, Connector 2 for contoso.com, Connector 3 for *.contoso.com)
// sends sales.contoso.com to Connector 3, "the most specific connector
// possible", which only MostSpecific does. Both policies are provided;
// [Table.Disagreements] lists every domain where they differ.
//
// A configuration in which the service would have to pick between two
// connectors silently (two candidates listing the same domain, the same
// wildcard or *, or two with AllAcceptedDomains) is refused by [NewTable].
//
// Select looks the domain and then its parents up in one hash map of every
// name the table knows, and stops at the first it finds (usually one or two
// lookups); it never allocates. [Table.Explain] lists the candidates that
// lost and why.
package connector
