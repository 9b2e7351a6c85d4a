package attribution

import (
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/connector"
)

// Path is the way a session entered: what it is allowed to do follows
// from it.
type Path uint8

const (
	// Anonymous: no connector matched and the client did not authenticate
	// (direct send, internet mail). Only recipients in accepted domains
	// are delivered.
	Anonymous Path = iota
	// ClientSubmission: an authenticated mailbox submits (SMTP AUTH, port
	// 587 or 25, TLS 1.2 or newer). Any recipient.
	ClientSubmission
	// OnPremisesConnector: the session matched a tenant's OnPremises
	// inbound connector by IP or certificate, and was attributed to it.
	OnPremisesConnector
	// PartnerConnector: the session matched a recipient tenant's Partner
	// inbound connector.
	PartnerConnector
)

var pathNames = [...]string{"anonymous", "client-submission", "on-premises-connector", "partner-connector"}

// String returns the kebab-case name used in JSON: "client-submission",
// "on-premises-connector", "partner-connector" or "anonymous".
func (p Path) String() string { return enumName(pathNames[:], p, "Path") }

// enumName returns names[v], or "Type(v)" for a value out of range, so
// that String never panics.
func enumName[E ~uint8](names []string, v E, typ string) string {
	if int(v) < len(names) {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (p Path) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Basis is the signal that decided the tenant of a session.
type Basis uint8

const (
	// BasisNone: no tenant was attributed to the session as a whole (each
	// recipient belongs to the tenant owning its domain).
	BasisNone Basis = iota
	// BasisCertificate: the TLS certificate's names prove an accepted
	// domain of the tenant (attribution step 1).
	BasisCertificate
	// BasisMailFrom: the MAIL FROM domain is an accepted domain of the
	// tenant (step 2).
	BasisMailFrom
	// BasisRcptTo: the first recipient domain with an owner is an accepted
	// domain of the tenant (step 3).
	BasisRcptTo
	// BasisAuthenticated: the authenticated mailbox belongs to the tenant
	// (client submission).
	BasisAuthenticated
	// BasisConnector: no signal named a tenant whose connector matched,
	// but exactly one tenant's OnPremises connector matched the session, so
	// the connector itself decides. This is the case that ends in
	// "550 5.7.64 Relay Access Denied ATTR36" for relayed NDRs and
	// forwarded mail over an IP-based connector.
	BasisConnector
)

var basisNames = [...]string{"none", "certificate", "mail-from", "rcpt-to", "authenticated", "connector"}

// String returns the kebab-case name used in JSON.
func (b Basis) String() string { return enumName(basisNames[:], b, "Basis") }

// step names the attribution step a basis stands for, in explanations.
func (b Basis) step() string {
	switch b {
	case BasisCertificate:
		return "1 certificate"
	case BasisMailFrom:
		return "2 MAIL FROM"
	case BasisRcptTo:
		return "3 RCPT TO"
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler.
func (b Basis) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// Disposition is what happens to one recipient.
type Disposition uint8

const (
	// Reject: the recipient is refused with the Reply.
	Reject Disposition = iota
	// Deliver: the recipient is in an accepted domain of its tenant and
	// is delivered there.
	Deliver
	// Relay: the recipient is outside the sending tenant and the message
	// is relayed on (to the internet or through an outbound connector).
	Relay
)

var dispositionNames = [...]string{"reject", "deliver", "relay"}

// String returns "deliver", "relay" or "reject".
func (d Disposition) String() string { return enumName(dispositionNames[:], d, "Disposition") }

// MarshalText implements encoding.TextMarshaler.
func (d Disposition) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Warning flags a configuration smell seen while attributing a session.
type Warning uint8

const (
	// WarnSharedSenderIP: the client IP is admitted by OnPremises
	// connectors of several tenants (MC1226222 anti-pattern 2): only
	// MAIL FROM and RCPT TO can tell them apart.
	WarnSharedSenderIP Warning = 1 << iota
	// WarnSharedCertificate: the certificate proves accepted domains of
	// several tenants, so it decides nothing.
	WarnSharedCertificate
	// WarnCertProvesNothing: a connector matched the certificate, but the
	// certificate proves no accepted domain of that connector's tenant
	// (MC1226222 anti-pattern 1).
	WarnCertProvesNothing
)

var warningNames = []struct {
	w    Warning
	name string
}{
	{WarnSharedSenderIP, "shared-sender-ip"},
	{WarnSharedCertificate, "shared-certificate"},
	{WarnCertProvesNothing, "cert-domain-not-accepted"},
}

// Warnings is a set of [Warning] flags.
type Warnings uint8

// Has reports whether w is in the set.
func (ws Warnings) Has(w Warning) bool { return ws&Warnings(w) != 0 }

// List returns the names of the warnings in the set, in a fixed order.
func (ws Warnings) List() []string {
	var out []string
	for _, n := range warningNames {
		if ws.Has(n.w) {
			out = append(out, n.name)
		}
	}
	return out
}

// String returns the names joined with commas.
func (ws Warnings) String() string { return strings.Join(ws.List(), ",") }

// Reason says why a recipient got its disposition, in words for people.
type Reason uint8

// The reasons a recipient can get.
const (
	ReasonNone                Reason = iota
	ReasonAcceptedDomain             // the recipient domain is an accepted domain of the tenant
	ReasonRelayByCert                // relay allowed: the certificate proves an accepted domain
	ReasonRelayByMailFrom            // relay allowed: MAIL FROM is an accepted domain
	ReasonRelayDenied                // ATTR36: neither certificate nor MAIL FROM is an accepted domain
	ReasonSubmission                 // an authenticated mailbox may send anywhere
	ReasonSendAsDenied               // sender is not the mailbox nor a send-as grant
	ReasonNotAuthenticated           // submission port without authentication
	ReasonTLSRequired                // no TLS where TLS is required
	ReasonTLSTooOld                  // TLS older than 1.2 for submission
	ReasonBadPort                    // submission on a port other than 587 or 25
	ReasonUnknownMailbox             // the authenticated mailbox belongs to no tenant
	ReasonNoOwner                    // no tenant accepts the recipient domain
	ReasonNoOwnerTenantSender        // ... and MAIL FROM claims a tenant whose connector did not match
	ReasonDirectSendBlocked          // RejectDirectSend and MAIL FROM is the tenant's own domain
	ReasonPartnerRestricted          // a Partner connector's restriction is not met
	ReasonPartnerTLS                 // a Partner connector requires TLS
	ReasonBadAddress                 // the recipient address does not parse
	ReasonPartnerAccepted            // a Partner connector of the recipient's tenant accepted the sender
	ReasonPostmaster                 // RCPT TO:<postmaster>, without a domain
)

var reasonText = [...]string{
	ReasonNone:                "",
	ReasonAcceptedDomain:      "recipient domain is an accepted domain of the tenant",
	ReasonRelayByCert:         "relay allowed: the certificate proves an accepted domain of the tenant",
	ReasonRelayByMailFrom:     "relay allowed: the MAIL FROM domain is an accepted domain of the tenant",
	ReasonRelayDenied:         "relay denied: neither the certificate domain nor the MAIL FROM domain is an accepted domain of the tenant",
	ReasonSubmission:          "authenticated client submission may send to any recipient",
	ReasonSendAsDenied:        "the sender is neither the authenticated mailbox nor one it may send as",
	ReasonNotAuthenticated:    "client submission port without authentication",
	ReasonTLSRequired:         "TLS is required and the session has none",
	ReasonTLSTooOld:           "client submission needs TLS 1.2 or newer",
	ReasonBadPort:             "client submission is supported on port 587 or 25 only",
	ReasonUnknownMailbox:      "the authenticated mailbox is in no tenant's accepted domains",
	ReasonNoOwner:             "no tenant accepts the recipient domain and the session may not relay",
	ReasonNoOwnerTenantSender: "no tenant accepts the recipient domain; MAIL FROM claims a tenant none of whose connectors matched the session",
	ReasonDirectSendBlocked:   "RejectDirectSend: anonymous mail from the tenant's own domain that matched no IP- or certificate-based connector",
	ReasonPartnerRestricted:   "the recipient tenant's Partner connector for this sender domain restricts it to other IPs or a certificate",
	ReasonPartnerTLS:          "the recipient tenant's Partner connector for this sender domain requires TLS",
	ReasonBadAddress:          "the recipient address does not parse",
	ReasonPartnerAccepted:     "a Partner connector of the recipient's tenant accepts this sender",
	ReasonPostmaster:          "postmaster without a domain is the receiving tenant's postmaster (RFC 5321 §4.5.1)",
}

// String returns the reason in words.
func (r Reason) String() string { return enumName(reasonText[:], r, "Reason") }

// reasonCodes are short stable names of the reasons, for metrics labels
// and machines; TestReasonCodes holds them to the reasons.
var reasonCodes = [...]string{
	ReasonNone:                "none",
	ReasonAcceptedDomain:      "accepted_domain",
	ReasonRelayByCert:         "relay_by_cert",
	ReasonRelayByMailFrom:     "relay_by_mail_from",
	ReasonRelayDenied:         "relay_denied",
	ReasonSubmission:          "submission",
	ReasonSendAsDenied:        "send_as_denied",
	ReasonNotAuthenticated:    "not_authenticated",
	ReasonTLSRequired:         "tls_required",
	ReasonTLSTooOld:           "tls_too_old",
	ReasonBadPort:             "bad_port",
	ReasonUnknownMailbox:      "unknown_mailbox",
	ReasonNoOwner:             "no_owner",
	ReasonNoOwnerTenantSender: "no_owner_tenant_sender",
	ReasonDirectSendBlocked:   "direct_send_blocked",
	ReasonPartnerRestricted:   "partner_restricted",
	ReasonPartnerTLS:          "partner_tls",
	ReasonBadAddress:          "bad_address",
	ReasonPartnerAccepted:     "partner_accepted",
	ReasonPostmaster:          "postmaster",
}

// Code returns a short stable name of the reason ("relay_denied" for
// ATTR36), of lower-case letters and underscores: a label value for
// metrics, unlike String's sentence.
func (r Reason) Code() string { return enumName(reasonCodes[:], r, "reason") }

// RecipientResult is the decision for one recipient.
type RecipientResult struct {
	// Address is the recipient as given.
	Address string
	// Tenant is the tenant owning the recipient's domain, "" if none.
	Tenant string
	// Disposition is deliver, relay or reject.
	Disposition Disposition
	// Reply is the SMTP reply to RCPT TO: ReplyOK, or the rejection.
	Reply Reply
	// Reason says why, in words.
	Reason Reason
	// Route is the outbound selection for a relayed or delivered
	// recipient in the sending tenant's outbound connector table (the
	// zero Selection when there is no sending tenant).
	Route connector.Selection
}

// Result is the attribution of one SMTP session.
type Result struct {
	// Tenant is the tenant the session was attributed to, "" if none.
	Tenant string
	// Connector is the inbound connector that matched, nil if none.
	Connector *connector.Inbound
	// Path is the way the session entered.
	Path Path
	// Basis is the signal that decided Tenant.
	Basis Basis
	// Recipients holds one decision per RCPT TO, in order.
	Recipients []RecipientResult
	// Warnings flags configuration smells the session ran into.
	Warnings Warnings
	// Steps explains each step of the decision, in words; it is filled
	// only by [Directory.Explain].
	Steps []string

	admitted []admission // scratch, reused by AttributeTo
}

// ConnectorName returns the name of the matched connector, "" if none.
func (r *Result) ConnectorName() string {
	if r.Connector == nil {
		return ""
	}
	return r.Connector.Name
}
