// Package attribution decides, for an SMTP session arriving at a
// multi-tenant mail service, which tenant it belongs to, through which
// inbound connector, and what happens to each recipient: delivered inside
// the tenant, relayed on, or rejected with the SMTP reply Exchange Online
// gives.
//
// # Directory
//
// A [Directory] holds many [Tenant] values — accepted domains, inbound and
// outbound connectors, RejectDirectSend, send-as grants — indexed for
// attribution: accepted domain → tenant (an accepted domain belongs to one
// tenant only), certificate name pattern → inbound connectors, and client
// IP prefix → inbound connectors (github.com/gaissmai/bart). It is built
// once by [NewDirectory], which reports every configuration error at once,
// and never changes; a [Holder] swaps a new one in atomically while
// readers carry on.
//
// # The decision
//
// [Directory.Attribute] takes a [Session] (client IP, port, TLS version,
// verified certificate names, authenticated user, MAIL FROM, RCPT TO) and
// returns a [Result]. The path is chosen in this order:
//
//	path                   when                                      recipients
//	client-submission      authenticated, or on port 587            any, if the sender is the mailbox or
//	                                                                 a send-as grant (else 550 5.7.60);
//	                                                                 port 587 or 25, TLS 1.2+ required
//	on-premises-connector  an OnPremises connector matches by IP or  own accepted domains: deliver; other
//	                       certificate and a tenant is attributed    domains: relay only if the certificate
//	                                                                 or MAIL FROM domain is an accepted
//	                                                                 domain (else 550 5.7.64 … ATTR36)
//	partner-connector      a recipient tenant's Partner connector    deliver; a restriction not met:
//	                       accepts the sender                        550 5.7.51
//	anonymous              none of the above                         accepted domains only (RejectDirectSend:
//	                                                                 550 5.7.68); others 550 5.7.64
//	                                                                 TenantAttribution or 550 5.7.1
//
// When OnPremises connectors of one or more tenants match, the tenant is
// chosen by the order of Microsoft's MC1226222, each step deciding only
// when the tenant it names has an OnPremises connector matching the
// session:
//
//  1. the certificate: the tenant whose accepted domains the certificate's
//     names prove (a name proves a domain it equals or sits directly
//     under; any depth for MatchSubDomains domains). A certificate proving
//     several tenants' domains decides nothing (warning shared-certificate).
//  2. the MAIL FROM domain's tenant;
//  3. the tenant of the first recipient domain that has one.
//
// When no step decides and exactly one tenant's OnPremises connector
// matched, that connector decides (basis "connector"): this is how a
// relayed NDR or forwarded message over an IP-based connector ends in
// ATTR36. An IP matched by several tenants' connectors is flagged
// shared-sender-ip and is never settled by the IP alone.
//
// # Explanations and allocation
//
// [Directory.Explain] fills Result.Steps with one line per step in words.
// [Directory.AttributeTo] with a parsed Session and a reused Result makes
// no allocation.
//
// # Limits and lint
//
// A [Limiter] enforces the client-submission limits (30 messages a minute,
// 10,000 recipients a day per mailbox). [Lint] finds configurations that
// load but will misbehave, each [Finding] with a stable code, severity and
// the fix.
package attribution
