package attribution

import (
	"fmt"
	"strings"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Attribute decides a session: its tenant, inbound connector, path and
// basis, and a disposition and SMTP reply for every recipient. See the
// package documentation for the rules.
//
// It allocates the Recipients slice of the result; to attribute without
// allocating, reuse a Result with [Directory.AttributeTo].
func (d *Directory) Attribute(s *Session) Result {
	var r Result
	d.attribute(s, &r, nil)
	return r
}

// AttributeTo is [Directory.Attribute] into a Result the caller owns and
// may reuse: r is overwritten, its slices reused. With a parsed Session
// and a reused Result it does not allocate.
func (d *Directory) AttributeTo(s *Session, r *Result) {
	d.attribute(s, r, nil)
}

// Explain is [Directory.Attribute] with Result.Steps filled: one line per
// step of the decision, in words.
func (d *Directory) Explain(s *Session) Result {
	var r Result
	e := &explainer{}
	d.attribute(s, &r, e)
	r.Steps = e.steps
	return r
}

// explainer collects the steps of a decision. A nil *explainer records
// nothing; callers guard with e != nil so that nothing is formatted (and
// nothing allocated) when no explanation was asked for.
type explainer struct{ steps []string }

func (e *explainer) addf(format string, args ...any) {
	e.steps = append(e.steps, fmt.Sprintf(format, args...))
}

// admission records that an inbound connector matched the session.
type admission struct {
	ref    connRef
	byIP   bool
	byCert bool
}

// attempt carries the state of one attribution.
type attempt struct {
	d *Directory
	s *Session
	r *Result
	e *explainer

	// What the certificate proves, worked out once (see provenTenant).
	proofDone           bool
	proven              int32
	provesOne, provesSe bool
}

func (d *Directory) attribute(s *Session, r *Result, e *explainer) {
	adm := r.admitted[:0]
	recipients := r.Recipients[:0]
	*r = Result{admitted: adm}
	for _, a := range s.RcptTo {
		recipients = append(recipients, RecipientResult{Address: a.Text})
	}
	r.Recipients = recipients
	a := attempt{d: d, s: s, r: r, e: e}

	if s.AuthUser.Text != "" || s.Port == 587 {
		a.submission()
		return
	}
	a.collectAdmissions()
	if ti, ci, basis, ok := a.onPremises(); ok {
		a.relay(ti, ci, basis)
		return
	}
	a.anonymous()
}

// conn returns the connector a reference points at.
func (d *Directory) conn(ref connRef) *connector.Inbound {
	return &d.rec(ref.tenant).InboundConnectors[ref.conn]
}

// collectAdmissions finds every enabled inbound connector, of any tenant,
// that matches the client IP or the certificate.
func (a *attempt) collectAdmissions() {
	d, s, r := a.d, a.s, a.r
	add := func(ref connRef, byIP bool) {
		for i := range r.admitted {
			if r.admitted[i].ref == ref {
				r.admitted[i].byIP = r.admitted[i].byIP || byIP
				r.admitted[i].byCert = r.admitted[i].byCert || !byIP
				return
			}
		}
		r.admitted = append(r.admitted, admission{ref: ref, byIP: byIP, byCert: !byIP})
	}
	if s.ClientIP.IsValid() && d.ips != nil {
		if refs, ok := d.ips.Lookup(s.ClientIP.Unmap()); ok {
			for _, ref := range refs {
				add(ref, true)
			}
		}
	}
	if d.certs != nil {
		for i := range s.Certificate.Len() {
			name := s.Certificate.At(i)
			for p, refs := range d.certs.Covering(name.Base()) {
				if name.MatchedBy(p) {
					for _, ref := range refs {
						add(ref, false)
					}
				}
			}
		}
	}
	if a.e != nil {
		for _, ad := range r.admitted {
			c := d.conn(ad.ref)
			how := "IP " + s.ClientIP.String()
			if ad.byCert {
				how = "certificate " + s.Certificate.String()
				if ad.byIP {
					how = "IP and certificate"
				}
			}
			a.e.addf("%s inbound connector %q of tenant %q matches by %s", c.ConnectorType, c.Name, d.rec(ad.ref.tenant).ID, how)
		}
		if len(r.admitted) == 0 {
			if s.Certificate.Len() == 0 {
				a.e.addf("no inbound connector matches IP %s (no certificate presented)", s.ClientIP)
			} else {
				a.e.addf("no inbound connector matches IP %s or certificate %q", s.ClientIP, s.Certificate.String())
			}
		}
	}
}

// onPremAdmits returns the OnPremises connector of tenant ti that admits
// the session, preferring one that matched the certificate.
func (a *attempt) onPremAdmits(ti int32) (int32, bool) {
	found, ci := false, int32(0)
	for _, ad := range a.r.admitted {
		if ad.ref.tenant != ti {
			continue
		}
		c := a.d.conn(ad.ref)
		if c.ConnectorType != connector.OnPremises || (c.RequireTls && !a.s.TLS()) {
			continue
		}
		if ad.byCert {
			return ad.ref.conn, true
		}
		if !found {
			found, ci = true, ad.ref.conn
		}
	}
	return ci, found
}

// certProves reports whether a certificate name proves an accepted domain
// of tenant ti.
func (a *attempt) certProves(ti int32) bool {
	t, found, several := a.provenTenant()
	if !several {
		return found && t == ti
	}
	for i := range a.s.Certificate.Len() {
		if a.d.nameProves(a.s.Certificate.At(i), ti) {
			return true
		}
	}
	return false
}

// nameProves reports whether certificate name n proves an accepted domain
// of tenant ti, by certmatch's rule (the name itself or one label under
// it; any depth below a MatchSubDomains domain).
func (d *Directory) nameProves(n certmatch.Name, ti int32) bool {
	_, ok := d.provedBy(n, func(owner int32) bool { return owner == ti })
	return ok
}

// provedBy looks up the accepted domains certificate name n may prove —
// its proof candidates, and the MatchSubDomains domains above them — and
// returns the first owner, accepted by want, of a domain n proves.
func (d *Directory) provedBy(n certmatch.Name, want func(owner int32) bool) (int32, bool) {
	cands, k := n.ProofCandidates()
	for _, c := range cands[:k] {
		for p, owner := range d.domains.Covering(c) {
			if !want(owner) {
				continue
			}
			a := domain.AcceptedDomain{Name: p.Base(), MatchSubDomains: p.Kind() == domain.Wildcard}
			if n.Proves(a) {
				return owner, true
			}
		}
	}
	return 0, false
}

// provenTenant returns the tenant whose accepted domains the certificate
// proves (the first found, in certificate and candidate order), and
// whether several tenants' are proved. It looks once per session, in one
// pass over the names' proof candidates; certProves reuses the answer.
func (a *attempt) provenTenant() (ti int32, found, several bool) {
	if a.proofDone {
		return a.proven, a.provesOne, a.provesSe
	}
	a.proofDone = true
	for i := range a.s.Certificate.Len() {
		n := a.s.Certificate.At(i)
		cands, k := n.ProofCandidates()
		for _, c := range cands[:k] {
			for p, owner := range a.d.domains.Covering(c) {
				if found && owner == ti {
					continue
				}
				if !n.Proves(domain.AcceptedDomain{Name: p.Base(), MatchSubDomains: p.Kind() == domain.Wildcard}) {
					continue
				}
				if found {
					a.proven, a.provesOne, a.provesSe = ti, true, true
					return ti, true, true
				}
				ti, found = owner, true
			}
		}
	}
	a.proven, a.provesOne = ti, found
	return ti, found, false
}

// onPremises runs the attribution order of MC1226222 over the OnPremises
// connectors that matched the session.
func (a *attempt) onPremises() (ti, ci int32, basis Basis, ok bool) {
	d, s, r, e := a.d, a.s, a.r, a.e
	var first int32 = -1
	tenants, ipTenants := 0, 0
	var firstIP int32 = -1
	for i, ad := range r.admitted {
		c := d.conn(ad.ref)
		if c.ConnectorType != connector.OnPremises {
			continue
		}
		if c.RequireTls && !s.TLS() {
			if e != nil {
				e.addf("OnPremises connector %q requires TLS and the session has none: it does not admit the session", c.Name)
			}
			continue
		}
		newTenant := true
		for _, prev := range r.admitted[:i] {
			if prev.ref.tenant == ad.ref.tenant && d.conn(prev.ref).ConnectorType == connector.OnPremises {
				newTenant = false
				break
			}
		}
		if newTenant {
			tenants++
			if first < 0 {
				first = ad.ref.tenant
			}
		}
		if ad.byIP && ad.ref.tenant != firstIP {
			if firstIP < 0 {
				firstIP = ad.ref.tenant
				ipTenants = 1
			} else {
				ipTenants = 2
			}
		}
	}
	if tenants == 0 {
		return 0, 0, BasisNone, false
	}
	if ipTenants > 1 {
		r.Warnings |= Warnings(WarnSharedSenderIP)
		if e != nil {
			e.addf("warning shared-sender-ip: IP %s is admitted by OnPremises connectors of several tenants; the IP alone decides nothing (the certificate, MAIL FROM or RCPT TO must)", s.ClientIP)
		}
	}
	// Anti-pattern 1: a connector matched by certificate whose tenant the
	// certificate does not prove.
	for _, ad := range r.admitted {
		if ad.byCert && d.conn(ad.ref).ConnectorType == connector.OnPremises && !a.certProves(ad.ref.tenant) {
			r.Warnings |= Warnings(WarnCertProvesNothing)
			if e != nil {
				e.addf("warning cert-domain-not-accepted: certificate %q matches connector %q but proves no accepted domain of tenant %q", s.Certificate.String(), d.conn(ad.ref).Name, d.rec(ad.ref.tenant).ID)
			}
		}
	}

	// decide settles on tenant t when one of its OnPremises connectors
	// admits the session. signal is what named t, for the explanation.
	decide := func(t int32, b Basis, signal string) bool {
		c, ok := a.onPremAdmits(t)
		if e != nil {
			if b == BasisCertificate {
				signal = fmt.Sprintf("%q", s.Certificate.String())
			}
			what := b.step() + " " + signal
			if ok {
				e.addf("step %s: tenant %q, whose OnPremises connector %q admits the session: decided", what, d.rec(t).ID, d.rec(t).InboundConnectors[c].Name)
			} else {
				e.addf("step %s: tenant %q, but none of its OnPremises connectors admits the session: next step", what, d.rec(t).ID)
			}
		}
		if ok {
			ti, ci, basis = t, c, b
		}
		return ok
	}

	// Step 1: the certificate's domain.
	if s.Certificate.Len() > 0 {
		t, found, several := a.provenTenant()
		switch {
		case several:
			r.Warnings |= Warnings(WarnSharedCertificate)
			if e != nil {
				e.addf("step 1 certificate: %q proves accepted domains of several tenants: decides nothing (warning shared-certificate)", s.Certificate.String())
			}
		case found:
			if decide(t, BasisCertificate, "") {
				return ti, ci, basis, true
			}
		default:
			if e != nil {
				e.addf("step 1 certificate: %q proves no accepted domain of any tenant", s.Certificate.String())
			}
		}
	} else if e != nil {
		e.addf("step 1 certificate: none presented")
	}

	// Step 2: the MAIL FROM domain.
	if md := s.MailFrom.Domain(); md.IsValid() {
		if t, _, ok := d.owner(md); ok {
			if decide(t, BasisMailFrom, md.String()) {
				return ti, ci, basis, true
			}
		} else if e != nil {
			e.addf("step 2 MAIL FROM: %s is no tenant's accepted domain", md)
		}
	} else if e != nil {
		e.addf("step 2 MAIL FROM: %s has no domain", displayAddress(s.MailFrom))
	}

	// Step 3: the first recipient domain that has an owner.
	stepped := false
	for _, rc := range s.RcptTo {
		if t, _, ok := d.owner(rc.Domain()); ok {
			stepped = true
			if decide(t, BasisRcptTo, rc.Domain().String()) {
				return ti, ci, basis, true
			}
			break
		}
	}
	if !stepped && e != nil {
		e.addf("step 3 RCPT TO: no recipient domain is a tenant's accepted domain")
	}

	// No signal decided; one tenant's connector alone still does.
	if tenants == 1 {
		c, _ := a.onPremAdmits(first)
		if e != nil {
			e.addf("no signal decided; only tenant %q has an OnPremises connector (%q) admitting the session: attributed by connector", d.rec(first).ID, d.rec(first).InboundConnectors[c].Name)
		}
		return first, c, BasisConnector, true
	}
	if e != nil {
		e.addf("no signal decided among the %d tenants whose OnPremises connectors admit the session: treated as anonymous", tenants)
	}
	return 0, 0, BasisNone, false
}

// relay decides the recipients of a session attributed to tenant ti
// through its OnPremises connector ci (the 2023 relay rules).
func (a *attempt) relay(ti, ci int32, basis Basis) {
	d, s, r, e := a.d, a.s, a.r, a.e
	t := d.rec(ti)
	r.Tenant, r.Connector, r.Path, r.Basis = t.ID, &t.InboundConnectors[ci], OnPremisesConnector, basis

	byCert := a.certProves(ti)
	byMailFrom := false
	if owner, _, ok := d.owner(s.MailFrom.Domain()); ok && owner == ti {
		byMailFrom = true
	}
	if e != nil {
		switch {
		case byCert:
			e.addf("relay: allowed, the certificate proves an accepted domain of %q", t.ID)
		case byMailFrom:
			e.addf("relay: allowed, MAIL FROM %s is an accepted domain of %q", s.MailFrom.Domain(), t.ID)
		default:
			e.addf("relay: denied (ATTR36), neither the certificate domain nor the MAIL FROM domain is an accepted domain of %q", t.ID)
		}
	}
	for i := range r.Recipients {
		rr, rc := &r.Recipients[i], &s.RcptTo[i]
		owner, owned, ok := a.recipientOwner(rr, rc)
		if !ok {
			continue
		}
		switch {
		case owned && owner == ti:
			rr.Disposition, rr.Reply, rr.Reason = Deliver, ReplyOK, ReasonAcceptedDomain
		case byCert:
			rr.Disposition, rr.Reply, rr.Reason = Relay, ReplyOK, ReasonRelayByCert
		case byMailFrom:
			rr.Disposition, rr.Reply, rr.Reason = Relay, ReplyOK, ReasonRelayByMailFrom
		default:
			rr.Disposition, rr.Reply, rr.Reason = Reject, ReplyRelayDeniedATTR36, ReasonRelayDenied
		}
		if rr.Disposition != Reject && t.outbound != nil {
			rr.Route = t.outbound.Select(rc.Domain())
		}
		a.explainRecipient(rr)
	}
}

// recipientOwner starts the decision for one recipient: an address that
// did not parse is rejected, and RCPT TO:<postmaster> is accepted for the
// receiving tenant (ok false for both: the decision is made); otherwise it
// returns the tenant owning the recipient's domain, if any, and records it
// on rr.
func (a *attempt) recipientOwner(rr *RecipientResult, rc *Address) (owner int32, owned, ok bool) {
	if rc.Err != nil {
		if rc.IsPostmaster() {
			// RFC 5321 §4.5.1: every receiver accepts mail for its
			// postmaster, without a domain: here the tenant the session
			// belongs to, else the service's own.
			rr.Tenant = a.r.Tenant
			rr.Disposition, rr.Reply, rr.Reason = Deliver, ReplyOK, ReasonPostmaster
			a.explainRecipient(rr)
			return 0, false, false
		}
		rr.Disposition, rr.Reply, rr.Reason = Reject, ReplyBadAddress, ReasonBadAddress
		if a.e != nil {
			a.e.addf("recipient %s: %v", rc.Text, rc.Err)
		}
		return 0, false, false
	}
	owner, _, owned = a.d.owner(rc.Domain())
	if owned {
		rr.Tenant = a.d.rec(owner).ID
	}
	return owner, owned, true
}

func (a *attempt) explainRecipient(rr *RecipientResult) {
	if a.e == nil {
		return
	}
	line := fmt.Sprintf("recipient %s: %s (%s)", rr.Address, rr.Disposition, rr.Reason)
	if rr.Disposition == Reject {
		line += ": " + rr.Reply.String()
	} else if rr.Route.Connector() != nil {
		line += "; routed by outbound connector " + fmt.Sprintf("%q", rr.Route.Connector().Name) + " (" + rr.Route.Rule().String() + ")"
	}
	a.e.steps = append(a.e.steps, line)
}

// submission decides an authenticated client submission (or an
// unauthenticated client on the submission port).
func (a *attempt) submission() {
	d, s, r, e := a.d, a.s, a.r, a.e
	r.Path = ClientSubmission
	reject := func(reply Reply, reason Reason) {
		if e != nil {
			e.addf("client submission refused: %s: %s", reason, reply)
		}
		for i := range r.Recipients {
			r.Recipients[i].Disposition, r.Recipients[i].Reply, r.Recipients[i].Reason = Reject, reply, reason
		}
	}
	switch {
	case s.AuthUser.Text == "":
		reject(ReplyNotAuthenticated, ReasonNotAuthenticated)
		return
	case s.Port != 0 && s.Port != 587 && s.Port != 25:
		reject(ReplyPortNotSupported, ReasonBadPort)
		return
	case !s.TLS():
		reject(ReplyTLSRequired, ReasonTLSRequired)
		return
	case s.TLSVersion < 0x0303: // tls.VersionTLS12
		reject(ReplyTLSTooOld, ReasonTLSTooOld)
		return
	}
	user := s.AuthUser
	if user.Err != nil {
		// A user name without a domain: a submission login, if a
		// tenant lists it.
		if l, ok := d.logins.Get(strings.ToLower(user.Text)); ok {
			user = l.mailbox
			if e != nil {
				e.addf("client submission: login %q is mailbox %s (SubmissionLogins)", s.AuthUser.Text, user.Text)
			}
		}
	}
	ti, _, ok := d.owner(user.Domain())
	if !ok || user.Err != nil {
		reject(ReplyAuthFailed, ReasonUnknownMailbox)
		return
	}
	t := d.rec(ti)
	r.Tenant, r.Basis = t.ID, BasisAuthenticated
	if e != nil {
		e.addf("client submission: %s is a mailbox of tenant %q", user.Text, t.ID)
	}
	if !t.maySendAs(user, s.MailFrom) {
		reject(ReplySendAsDenied, ReasonSendAsDenied)
		return
	}
	for i := range r.Recipients {
		rr, rc := &r.Recipients[i], &s.RcptTo[i]
		owner, owned, ok := a.recipientOwner(rr, rc)
		if !ok {
			continue
		}
		if owned && owner == ti {
			rr.Disposition, rr.Reason = Deliver, ReasonAcceptedDomain
		} else {
			rr.Disposition, rr.Reason = Relay, ReasonSubmission
		}
		rr.Reply = ReplyOK
		if t.outbound != nil {
			rr.Route = t.outbound.Select(rc.Domain())
		}
		a.explainRecipient(rr)
	}
}

// maySendAs reports whether the authenticated mailbox may use sender as
// MAIL FROM: it is the mailbox itself, or a SendAs grant allows it.
func (t *tenantRec) maySendAs(user, sender Address) bool {
	if sender.Err != nil {
		return false
	}
	if sameMailbox(user.Mailbox, sender.Mailbox) {
		return true
	}
	for trustee, ids := range t.sendAs {
		if !strings.EqualFold(trustee, user.Text) && !strings.EqualFold(trustee, user.Mailbox.String()) {
			continue
		}
		for _, id := range ids {
			if strings.EqualFold(id, sender.Text) || strings.EqualFold(id, sender.Mailbox.Local+"@"+sender.Mailbox.Domain.String()) {
				return true
			}
		}
	}
	return false
}

// sameMailbox compares two mailboxes the way Exchange does: local parts
// without regard to case.
func sameMailbox(a, b domain.Mailbox) bool {
	return a.Domain == b.Domain && strings.EqualFold(a.Local, b.Local)
}

// anonymous decides a session no OnPremises connector claimed: each
// recipient is judged by the tenant that owns its domain (direct send,
// internet mail, or a Partner connector).
func (a *attempt) anonymous() {
	d, s, r, e := a.d, a.s, a.r, a.e
	r.Path = Anonymous
	mailFromOwner, _, mailFromOwned := d.owner(s.MailFrom.Domain())
	if e != nil {
		e.addf("not attributed through an OnPremises connector: each recipient is judged by the tenant owning its domain")
	}
	for i := range r.Recipients {
		rr, rc := &r.Recipients[i], &s.RcptTo[i]
		ui, owned, ok := a.recipientOwner(rr, rc)
		if !ok {
			continue
		}
		if !owned {
			rr.Disposition = Reject
			if mailFromOwned {
				rr.Reply, rr.Reason = ReplyTenantAttribution, ReasonNoOwnerTenantSender
			} else {
				rr.Reply, rr.Reason = ReplyUnableToRelay, ReasonNoOwner
			}
			a.explainRecipient(rr)
			continue
		}
		u := d.rec(ui)
		ci, verdict := a.partner(ui, rc.Domain())
		switch verdict {
		case partnerAccepted:
			rr.Disposition, rr.Reply, rr.Reason = Deliver, ReplyOK, ReasonPartnerAccepted
			if r.Path == Anonymous {
				r.Path, r.Tenant, r.Basis, r.Connector = PartnerConnector, u.ID, BasisRcptTo, &u.InboundConnectors[ci]
			}
		case partnerRestricted:
			rr.Disposition, rr.Reply, rr.Reason = Reject, ReplyPartnerRejected, ReasonPartnerRestricted
		case partnerNeedsTLS:
			rr.Disposition, rr.Reply, rr.Reason = Reject, ReplyTLSRequired, ReasonPartnerTLS
		default:
			if u.RejectDirectSend && mailFromOwned && mailFromOwner == ui && !a.matchedByIPOrCert(ui) {
				rr.Disposition, rr.Reply, rr.Reason = Reject, ReplyDirectSendRejected, ReasonDirectSendBlocked
			} else {
				rr.Disposition, rr.Reply, rr.Reason = Deliver, ReplyOK, ReasonAcceptedDomain
			}
		}
		if rr.Disposition == Deliver && u.outbound != nil {
			rr.Route = u.outbound.Select(rc.Domain())
		}
		a.explainRecipient(rr)
	}
}

// matchedByIPOrCert reports whether any inbound connector of tenant ti
// matched the session by IP or certificate.
func (a *attempt) matchedByIPOrCert(ti int32) bool {
	for _, ad := range a.r.admitted {
		if ad.ref.tenant == ti {
			return true
		}
	}
	return false
}

type partnerVerdict uint8

const (
	partnerNone partnerVerdict = iota
	partnerAccepted
	partnerRestricted
	partnerNeedsTLS
)

// partner applies tenant ti's Partner connectors to the session. A
// connector applies when its SenderDomains cover the MAIL FROM domain, or
// (without a restriction) when it matched the session by IP or
// certificate. A restricting connector that applies and is not satisfied
// rejects, unless another restricting connector is satisfied: the
// restricting connector wins over a plain one (facts §2.3). A connector
// with AssociatedAcceptedDomains applies only to recipients in them.
func (a *attempt) partner(ti int32, rcpt domain.Name) (int32, partnerVerdict) {
	s := a.s
	t := a.d.rec(ti)
	md := s.MailFrom.Domain()
	var (
		restrictedOK, plainOK    int32 = -1, -1
		restrictedBad, tlsFailed bool
	)
	for ci := range t.InboundConnectors {
		c := &t.InboundConnectors[ci]
		if !c.Enabled || c.ConnectorType != connector.Partner || !associated(c, rcpt) {
			continue
		}
		domainMatch := false
		for _, p := range c.SenderDomains {
			if p.Match(md) || p.Kind() == domain.Any {
				domainMatch = true
				break
			}
		}
		ipMatch, certMatch := false, false
		for _, ad := range a.r.admitted {
			if ad.ref == (connRef{ti, int32(ci)}) {
				ipMatch, certMatch = ad.byIP, ad.byCert
			}
		}
		restricting := c.RestrictDomainsToIPAddresses || c.RestrictDomainsToCertificate
		applies := domainMatch || (!restricting && (ipMatch || certMatch))
		if !applies {
			continue
		}
		if c.RequireTls && !s.TLS() {
			tlsFailed = true
			continue
		}
		switch {
		case c.RestrictDomainsToIPAddresses:
			if ipMatch {
				restrictedOK = int32(ci)
			} else {
				restrictedBad = true
			}
		case c.RestrictDomainsToCertificate:
			if certMatch {
				restrictedOK = int32(ci)
			} else {
				restrictedBad = true
			}
		default:
			if plainOK < 0 || ipMatch || certMatch {
				plainOK = int32(ci)
			}
		}
	}
	switch {
	case restrictedOK >= 0:
		return restrictedOK, partnerAccepted
	case restrictedBad:
		return 0, partnerRestricted
	case tlsFailed:
		return 0, partnerNeedsTLS
	case plainOK >= 0:
		return plainOK, partnerAccepted
	}
	return 0, partnerNone
}

// associated reports whether connector c applies to mail for rcpt: it
// lists no AssociatedAcceptedDomains, or rcpt is (below) one of them.
func associated(c *connector.Inbound, rcpt domain.Name) bool {
	if len(c.AssociatedAcceptedDomains) == 0 {
		return true
	}
	for _, n := range c.AssociatedAcceptedDomains {
		if rcpt == n || rcpt.IsSubdomainOf(n) {
			return true
		}
	}
	return false
}

func displayAddress(a Address) string {
	if a.IsNull() {
		return "<>"
	}
	return a.Text
}
