// Package postfix connects a Postfix MTA to mailflow: it serves the
// policy delegation protocol, so that Postfix asks mailflow about every
// RCPT TO, and the socketmap and tcp_table protocols, so that Postfix's
// transport_maps route each recipient through the outbound connector
// mailflow selects.
//
// # Policy (check_policy_service)
//
// A PolicyServer reads one request per RCPT (name=value lines ending in
// an empty line) and answers "action=OK" when mailflow would deliver or
// relay the recipient, or the reject reply, "action=550 5.7.64 Relay
// Access Denied ATTR36". The session comes from the request:
//
//	attribute                  Session field
//	client_address             ClientIP
//	server_port                Port (587: client submission)
//	encryption_protocol        TLSVersion (TLSv1.2 → 1.2; empty: no TLS)
//	ccert_fingerprint          Certificate, when pinned (Pins)
//	ccert_pubkey_fingerprint   Certificate, when its key is pinned
//	ccert_subject              Certificate: the CN (Postfix sends it only for a verified chain)
//	sasl_username              AuthUser
//	sender                     MailFrom ("" is the null sender <>)
//	recipient                  RcptTo: this recipient alone
//
// Each RCPT is decided on its own, so attribution step 3 (the recipient
// domain) looks at that recipient. Requests in other protocol states are
// answered DUNNO. A request that cannot be decided (an unknown request
// type, a client_address that is no IP, a line that is not name=value …)
// is answered "action=451 4.3.0 Service temporarily unavailable" and
// logged; one that breaks the limits (size, attribute count, time) closes
// the connection, and Postfix then answers "451 4.3.5 Server configuration
// problem". When mailflow is down Postfix answers the same: the failure is
// temporary and mail is never let through unchecked.
//
// # Transport (transport_maps)
//
// A TransportMap looks a recipient address up in the sending tenant's
// outbound connector table and answers the selected connector's next hop,
// "smtp:[mail.contoso.com]:25" for smart hosts, "smtp:" for a connector
// that routes by MX, or not found (Postfix's default routing).
// SocketmapServer and TCPTableServer serve it; Postfix caches the
// answers in trivial-rewrite, so run "postfix reload" after a change to
// routes.
//
// # Wiring (main.cf)
//
//	smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:10040, reject
//	transport_maps = socketmap:inet:127.0.0.1:10041:transport
//	# or: transport_maps = tcp:127.0.0.1:10042
//	smtpd_tls_ask_ccert = yes
//	smtpd_tls_CAfile = /etc/postfix/client-ca.pem
//	smtpd_tls_fingerprint_digest = sha256
//
// mailflow's answer is the relay decision: OK permits, its reply rejects,
// and the final reject catches anything else. Nothing before it may
// permit (no permit_mynetworks). Postfix insists on that final reject: it
// refuses to start with a relay list ending in permit, which is why the
// accept answer is OK and not DUNNO. Leave
// smtpd_policy_service_default_action at its default, "451 4.3.5 Server
// configuration problem": set to DUNNO it would let recipients through
// while mailflow is down.
//
// To keep Postfix's own relay control and have mailflow only add its
// rejections (ATTR36, direct send), set PolicyServer.Accept to DUNNO and
// list check_policy_service in smtpd_recipient_restrictions instead.
//
// # Several sending tenants (Router)
//
// When several tenants relay through one Postfix, add a [Router] and ask
// it for each message's route (see [Router] for the 452 4.5.3 split):
//
//	smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:10040, policy_context=mailflow-route, default_action=DEFER }
//	smtpd_end_of_data_restrictions = check_policy_service { inet:127.0.0.1:10040, policy_context=mailflow-route, default_action=DUNNO }
//	smtp_tls_policy_maps = socketmap:inet:127.0.0.1:10041:tls_policy
//
// default_transport and relay_transport must then name a real delivery
// transport, not error: or retry:, which smtpd refuses at RCPT despite a
// FILTER.
//
// # Reloading and limits
//
// Every request reads the current Directory from an attribution.Holder
// and the current Pins, so a reload is an atomic swap: requests in flight
// finish with the configuration they started with. Servers keep
// connections open and answer pipelined requests in order; Limits bound
// request size, attribute count, idle and read time and connections.
// Shutdown stops accepting, closes idle connections and lets requests in
// flight finish.
package postfix
