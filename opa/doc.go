// Package mailflowopa adds mailflow's routing and attribution decisions to
// OPA's Rego (github.com/open-policy-agent/opa/v1/rego) as two built-in
// functions:
//
//	mailflow.route(tenant, rcpt)  object: the outbound connector for rcpt
//	mailflow.attribute(session)   object: the tenant, inbound connector, path
//	                              and each recipient's disposition and reply
//
// so that a policy can say
//
//	allow if {
//		mailflow.route(input.tenant, input.rcpt).connector == "Partner"
//		endswith(input.rcpt, "@contoso.com")
//	}
//
// The objects have the fields, and the values, of `mailflow route --json`
// and `mailflow attribute --json`. route's tenant may be "" for the CLI's
// default (the only tenant, or else the tenant that accepts rcpt's domain);
// rcpt is an address or a bare domain. attribute's session is an object
// keyed after the flags of `mailflow attribute`: ip, mail_from (strings) and
// rcpt (array of strings) required; port (number, 25), tls ("none", "1.0" …
// "1.3"), cert_names (array of strings) and auth (string) optional.
//
// Options gives the two functions to one rego.New, Register adds them to
// every query of the process (for a tool that runs OPA's own eval command
// or server with mailflow's functions built in). A bad argument is a
// built-in error "mailflow.route: …" at the call's location: with
// rego.StrictBuiltinErrors(true) evaluation fails with it, without it the
// call is undefined (so the rule does not hold) and the error is kept in
// the evaluation's builtin errors, as for OPA's own built-ins.
//
// The functions read the directory from a Source at each call: with
// Holder.Load as the Source, a PreparedEvalQuery sees a reloaded
// configuration at its next Eval. Both are declared nondeterministic, so
// that partial evaluation does not fold a decision into a compiled policy.
package mailflowopa
