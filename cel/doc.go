// Package mailflowcel adds mailflow's routing and attribution decisions to
// CEL (cel.dev/cel-go) as two functions, so that a policy written in CEL can
// ask what mailflow decides:
//
//	mailflow.route(tenant, rcpt)  map: the outbound connector for rcpt
//	mailflow.attribute(session)   map: the tenant, inbound connector, path and
//	                              each recipient's disposition and reply
//
// For example
//
//	mailflow.route(t, r).connector == "Partner" && r.endsWith("@contoso.com")
//
// The maps have the fields, and the values, of `mailflow route --json` and
// `mailflow attribute --json`; a JSON null is a CEL null. route's tenant
// may be "" for the CLI's default (the only tenant, or else the tenant that
// accepts rcpt's domain); rcpt is an address or a bare domain. attribute's
// session is a map with the inputs of `mailflow attribute`, keyed after its
// flags:
//
//	ip          string, required      client IP address
//	port        int                   25 (default) or 587 for submission
//	tls         string                "none", "1.0" … "1.3"; default "1.2"
//	                                  with cert_names, else "none"
//	cert_names  list(string)          verified client certificate's CN and SANs
//	auth        string                SMTP AUTH user (a mailbox address)
//	mail_from   string, required      MAIL FROM; "<>" for the null sender
//	rcpt        list(string), required RCPT TO addresses
//
// A bad argument (an address that does not parse, an unknown tenant, a
// missing or mistyped session key, an unknown key) makes the call evaluate to
// a CEL error naming the argument, as any CEL function error does; nothing
// panics.
//
// The functions read the directory from a Source at each call, not when the
// environment or program is built: with Holder.Load as the Source, a
// compiled program sees a reloaded configuration at its next evaluation.
package mailflowcel
