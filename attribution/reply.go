package attribution

import "strconv"

// Reply is an SMTP reply: a basic code, an enhanced status code (RFC 3463)
// and text. The zero Reply is empty ("no reply").
type Reply struct {
	Code     int    // 550
	Enhanced string // "5.7.64"
	Text     string // "TenantAttribution; Relay Access Denied"
}

// String formats the reply as it goes on the wire, without CRLF:
// "550 5.7.64 TenantAttribution; Relay Access Denied".
func (r Reply) String() string {
	if r.Code == 0 {
		return ""
	}
	s := strconv.Itoa(r.Code)
	if r.Enhanced != "" {
		s += " " + r.Enhanced
	}
	if r.Text != "" {
		s += " " + r.Text
	}
	return s
}

// IsZero reports whether r is the zero Reply.
func (r Reply) IsZero() bool { return r.Code == 0 }

// Temporary reports whether r is a 4xx reply: the client should retry.
func (r Reply) Temporary() bool { return r.Code >= 400 && r.Code < 500 }

// Permanent reports whether r is a 5xx reply.
func (r Reply) Permanent() bool { return r.Code >= 500 && r.Code < 600 }

// Replies Exchange Online gives, with their documented text (see
// ../shared/facts/exo-connectors.md §5.3 and §6 for the sources).
var (
	// ReplyOK accepts a recipient.
	ReplyOK = Reply{250, "2.1.5", "Recipient OK"}

	// ReplyRelayDeniedATTR36: a session attributed to a tenant through its
	// OnPremises connector tries to relay to a domain outside the tenant,
	// but neither the certificate domain nor the MAIL FROM domain is an
	// accepted domain of the tenant (2017 and 2023 relay rules).
	ReplyRelayDeniedATTR36 = Reply{550, "5.7.64", "Relay Access Denied ATTR36"}

	// ReplyTenantAttribution: an anonymous session whose MAIL FROM domain is
	// a tenant's accepted domain tries to relay, and no connector of that
	// tenant matched the session (typically the on-premises server's IP or
	// certificate changed).
	ReplyTenantAttribution = Reply{550, "5.7.64", "TenantAttribution; Relay Access Denied"}

	// ReplyUnableToRelay: an anonymous sender tries to relay to a domain no
	// tenant accepts.
	ReplyUnableToRelay = Reply{550, "5.7.1", "Unable to relay"}

	// ReplyDirectSendRejected: the tenant has RejectDirectSend on and an
	// anonymous message with one of its accepted domains in MAIL FROM
	// matched none of its IP- or certificate-based inbound connectors.
	ReplyDirectSendRejected = Reply{550, "5.7.68", "TenantInboundAttribution; Direct Send not allowed for this organization from unauthorized sources"}

	// ReplySendAsDenied: an authenticated client submits with a sender that
	// is neither its own mailbox nor one it may send as.
	ReplySendAsDenied = Reply{550, "5.7.60", "SMTP; Client does not have permissions to send as this sender"}

	// ReplyNotAuthenticated: an unauthenticated client on the submission
	// port (587).
	ReplyNotAuthenticated = Reply{550, "5.7.57", "Client was not authenticated to send anonymous mail during MAIL FROM"}

	// ReplyAuthFailed: the authenticated identity is no mailbox of any
	// tenant.
	ReplyAuthFailed = Reply{535, "5.7.3", "Authentication unsuccessful"}

	// ReplyPartnerRejected: mail from a partner's sender domains that breaks
	// the restriction of the recipient tenant's Partner connector (wrong
	// IP, missing or wrong certificate). The code is reported by
	// administrators, not in Microsoft's NDR table (facts §2.3, §5.3).
	ReplyPartnerRejected = Reply{550, "5.7.51", "TenantInboundAttribution; Rejecting"}
)

// Replies for cases Exchange Online's documentation describes without
// giving the wire text. The codes are mailflow's choice and follow RFC 3463;
// the texts say what is wrong.
var (
	// ReplyTLSRequired: client submission needs TLS 1.2 or newer, or a
	// connector with RequireTls matched a session without TLS.
	ReplyTLSRequired = Reply{530, "5.7.0", "Must issue a STARTTLS command first"}
	// ReplyTLSTooOld: client submission over TLS 1.0 or 1.1.
	ReplyTLSTooOld = Reply{554, "5.7.0", "TLS 1.2 or newer is required for client submission"}
	// ReplyPortNotSupported: client submission on a port other than 587
	// or 25 (devices that default to 465 are not supported).
	ReplyPortNotSupported = Reply{554, "5.7.0", "Client submission is supported on port 587 or 25 only"}
	// ReplyBadAddress: an envelope address that does not parse.
	ReplyBadAddress = Reply{501, "5.1.3", "Bad recipient address syntax"}
	// ReplyRateLimited: a mailbox submitted more than its messages per
	// minute. Temporary: the client should retry later.
	ReplyRateLimited = Reply{421, "4.7.0", "Message submission rate for this mailbox exceeded; try again later"}
	// ReplyRecipientQuota: a mailbox reached its recipients per day.
	// Temporary: the window is rolling.
	ReplyRecipientQuota = Reply{452, "4.5.3", "Daily recipient limit for this mailbox reached; try again later"}
)
