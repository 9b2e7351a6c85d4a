# An example policy over mailflow's decisions. It needs mailflow.route and
# mailflow.attribute (mailflowopa.Options or mailflowopa.Register).
#
# input:
#   tenant   the sending tenant
#   rcpt     a recipient address
#   session  an SMTP session, keyed after `mailflow attribute`'s flags
package mailflow.policy

# Mail to contoso.com may leave only through the on-premises connector for
# contoso.com.
default allow := false

allow if {
	endswith(input.rcpt, "@contoso.com")
	mailflow.route(input.tenant, input.rcpt).connector == "Connector 2"
}

# The recipients mailflow would reject, with the SMTP reply.
rejected[rc.address] := rc.reply if {
	some rc in mailflow.attribute(input.session).recipients
	rc.disposition == "reject"
}

# The session came over a connector of the sending tenant.
attributed if mailflow.attribute(input.session).tenant == input.tenant
