package postfix

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
)

// Actions of the policy protocol that mailflow answers besides a reply.
const (
	// ActionOK: mailflow accepts the recipient (deliver or relay). In
	// smtpd_relay_restrictions it ends that list with a permit; the
	// recipient restrictions still apply. The default accept action.
	ActionOK = "OK"
	// ActionDunno: no decision; the next restriction decides. Answered
	// for protocol states other than RCPT, and for accepted recipients
	// when PolicyServer.Accept is ActionDunno.
	ActionDunno = "DUNNO"
	// ActionTempFail answers a request mailflow could not decide on: a
	// temporary reject, whatever follows in the restriction list
	// (DEFER_IF_PERMIT would turn into a permanent reject before the
	// final "reject" of the recommended wiring).
	ActionTempFail = "451 4.3.0 Service temporarily unavailable"
	// ActionOverload answers a request mailflow has no room for (today:
	// a new message past [Router]'s MaxMessages): a temporary reject (RFC 3463 X.3.2 "System not
	// accepting network messages"), so the client retries later instead of
	// waiting.
	ActionOverload = "451 4.3.2 Service busy, try again later"
)

// OverloadError says a request was refused because a bound was reached.
type OverloadError struct{ What string }

func (e *OverloadError) Error() string { return "postfix: overloaded: " + e.What }

// PolicyRequest holds the attributes of one policy delegation request
// (SMTPD_POLICY_README) that mailflow reads; the others are ignored.
// Values are as Postfix sends them: ccert_subject xtext-encoded, sender
// empty for the null sender.
type PolicyRequest struct {
	Request                string // request: must be smtpd_access_policy
	ProtocolState          string // protocol_state: only RCPT is decided
	Instance               string // instance: one per message, for logs
	ClientAddress          string // client_address
	ServerPort             string // server_port: 25, or 587 for submission
	EncryptionProtocol     string // encryption_protocol: TLSv1.2, TLSv1.3, or empty
	CCertSubject           string // ccert_subject: the CN, sent only for a verified chain
	CCertFingerprint       string // ccert_fingerprint: SHA-256 of the certificate
	CCertPubkeyFingerprint string // ccert_pubkey_fingerprint: SHA-256 of its public key
	SASLUsername           string // sasl_username: the authenticated user
	Sender                 string // sender: empty for the null sender
	Recipient              string // recipient
	PolicyContext          string // policy_context: Router.Context for route requests
}

// set stores one attribute; unknown names are ignored. Values are
// copied out of the read buffer only for the attributes kept.
func (r *PolicyRequest) set(name, value []byte) {
	var dst *string
	switch string(name) {
	case "request":
		dst = &r.Request
	case "protocol_state":
		dst = &r.ProtocolState
	case "instance":
		dst = &r.Instance
	case "client_address":
		dst = &r.ClientAddress
	case "server_port":
		dst = &r.ServerPort
	case "encryption_protocol":
		dst = &r.EncryptionProtocol
	case "ccert_subject":
		dst = &r.CCertSubject
	case "ccert_fingerprint":
		dst = &r.CCertFingerprint
	case "ccert_pubkey_fingerprint":
		dst = &r.CCertPubkeyFingerprint
	case "sasl_username":
		dst = &r.SASLUsername
	case "sender":
		dst = &r.Sender
	case "recipient":
		dst = &r.Recipient
	case "policy_context":
		dst = &r.PolicyContext
	default:
		return
	}
	if len(value) > 0 {
		*dst = string(value)
	} else {
		*dst = ""
	}
}

// BadRequestError is a policy request that arrived whole but that
// mailflow cannot decide on: it is answered with [ActionTempFail] and
// logged.
type BadRequestError struct {
	Attribute string // the attribute at fault, "" for the request as a whole
	Value     string
	Msg       string
}

func (e *BadRequestError) Error() string {
	if e.Attribute == "" {
		return "postfix: bad policy request: " + e.Msg
	}
	return fmt.Sprintf("postfix: bad policy request: %s=%q: %s", e.Attribute, e.Value, e.Msg)
}

// PolicyServer answers Postfix's policy delegation protocol
// (check_policy_service): for each RCPT it attributes the session to a
// tenant and answers OK (or DUNNO, see Accept) for a recipient mailflow
// would deliver or relay, or the reject reply ("550 5.7.64 Relay Access
// Denied ATTR36"). Requests of other protocol states are answered DUNNO.
//
// Set the exported fields before the first call to Serve and leave them
// alone afterwards; reconfigure by storing a new Directory in the Holder
// and new pins with SetPins, both safe while serving. The zero
// PolicyServer is not usable: Directory is required.
type PolicyServer struct {
	// Directory is read on every request.
	Directory *attribution.Holder
	// Accept is the action for a recipient mailflow delivers or relays:
	// ActionOK ("" means OK), when mailflow decides relaying
	// (smtpd_relay_restrictions = check_policy_service …, reject); or
	// ActionDunno, when Postfix decides relaying itself and mailflow only
	// adds its rejections. Postfix refuses to start with a relay list
	// that ends in permit, so DUNNO cannot let a relay through.
	Accept string
	// Logger receives one line per decision (Info) and what went wrong
	// (Warn, Error); nil means slog.Default().
	Logger *slog.Logger
	// Limits bound requests and connections.
	Limits Limits
	// Observer, when not nil, is told of every request answered.
	Observer Observer
	// Router, when not nil, answers the requests whose policy_context is
	// its Context with the message's route (see [Router]).
	Router *Router

	pins atomic.Pointer[Pins]
	srv  server
}

// SetPins swaps in the pinned fingerprints used for ccert_fingerprint and
// ccert_pubkey_fingerprint; nil pins nothing. Safe while serving.
func (s *PolicyServer) SetPins(p *Pins) { s.pins.Store(p) }

func (s *PolicyServer) init() {
	s.srv.init("policy", s, s.Limits, s.Logger, s.Observer)
}

// Serve accepts connections on l and answers their requests until
// Shutdown or Close, and then returns ErrServerClosed.
func (s *PolicyServer) Serve(l net.Listener) error {
	s.init()
	if err := s.checkAccept(); err != nil {
		return err
	}
	return s.srv.serve(l)
}

func (s *PolicyServer) checkAccept() error {
	if s.Directory == nil {
		return errors.New("postfix: PolicyServer.Directory is nil")
	}
	switch s.Accept {
	case "", ActionOK, ActionDunno:
		return nil
	}
	return fmt.Errorf("postfix: PolicyServer.Accept %q: want OK or DUNNO", s.Accept)
}

// Shutdown stops accepting connections, closes idle ones, and waits
// until the requests being served are answered or ctx ends (then closes
// the rest and returns ctx's error).
func (s *PolicyServer) Shutdown(ctx context.Context) error {
	s.init()
	return s.srv.shutdown(ctx)
}

// Close closes the listeners and every connection at once.
func (s *PolicyServer) Close() error {
	s.init()
	return s.srv.close()
}

// policyScratch is what a connection reuses from request to request.
type policyScratch struct {
	line    []byte
	session attribution.Session
	rcpt    [1]attribution.Address
	result  attribution.Result
}

func (s *PolicyServer) serveRequest(c *conn) error {
	sc, _ := c.scratch.(*policyScratch)
	if sc == nil {
		sc = &policyScratch{}
		c.scratch = sc
	}
	limits := c.srv.limits
	budget := limits.MaxRequestBytes
	var req PolicyRequest
	var bad error
	for n := 0; ; n++ {
		line, buf, err := readLine(c.br, &budget, sc.line)
		sc.line = buf
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if n == limits.MaxAttributes {
			return protocolErrorf("more than %d attributes", limits.MaxAttributes)
		}
		name, value, ok := bytes.Cut(line, []byte{'='})
		if !ok || len(name) == 0 {
			if bad == nil {
				bad = &BadRequestError{Msg: fmt.Sprintf("line %d is not name=value: %q", n+1, truncate(line, 80))}
			}
			continue
		}
		req.set(name, value)
	}

	action := ActionTempFail
	if bad == nil {
		action, bad = s.decide(&req, sc, c.log)
	}
	c.outcome = policyOutcome(&req, bad, &sc.result)
	if bad != nil {
		c.log.Warn("policy request answered with a temporary failure", "err", bad, "instance", req.Instance, "action", action)
	}
	c.bw.WriteString("action=")
	c.bw.WriteString(action)
	c.bw.WriteString("\n\n")
	return nil
}

// Decide answers one policy request: the accept action, [ActionDunno]
// for states other than RCPT, or a reply such as
// "550 5.7.64 Relay Access Denied ATTR36" (without "action="). A request
// mailflow cannot decide on gets [ActionTempFail] and a
// [*BadRequestError]. The decision is logged like a request served on a
// connection.
func (s *PolicyServer) Decide(req *PolicyRequest) (string, error) {
	s.init()
	if err := s.checkAccept(); err != nil {
		return ActionTempFail, err
	}
	return s.decide(req, &policyScratch{}, s.srv.log)
}

func (s *PolicyServer) decide(req *PolicyRequest, sc *policyScratch, log *slog.Logger) (string, error) {
	if req.Request != "smtpd_access_policy" {
		return ActionTempFail, &BadRequestError{Attribute: "request", Value: req.Request, Msg: "want smtpd_access_policy"}
	}
	routing := s.Router != nil && req.PolicyContext == s.Router.context()
	if req.ProtocolState != "RCPT" {
		if routing && req.ProtocolState == "END-OF-MESSAGE" {
			s.Router.forget(req.Instance)
		}
		return ActionDunno, nil
	}
	certSource, err := s.session(req, sc)
	if err != nil {
		return ActionTempFail, err
	}
	dir := s.Directory.Load()
	dir.AttributeTo(&sc.session, &sc.result)
	r := &sc.result
	if len(r.Recipients) != 1 {
		return ActionTempFail, &BadRequestError{Msg: "no recipient decided"} // cannot happen
	}
	rr := &r.Recipients[0]
	action := s.Accept
	if action == "" {
		action = ActionOK
	}
	if rr.Disposition == attribution.Reject {
		action = replyAction(rr.Reply)
	}
	if routing {
		var err error
		if action, err = s.Router.route(req, r, log); err != nil {
			return action, err
		}
	}
	if log.Enabled(context.Background(), slog.LevelInfo) {
		attrs := []slog.Attr{
			slog.String("instance", req.Instance),
			slog.String("client", req.ClientAddress),
			slog.String("sender", sc.session.MailFrom.Text),
			slog.String("recipient", req.Recipient),
			slog.String("tls", attribution.TLSVersionName(sc.session.TLSVersion)),
		}
		if certSource != "" {
			attrs = append(attrs, slog.String("cert", sc.session.Certificate.String()), slog.String("cert_source", certSource))
		}
		attrs = append(attrs,
			slog.String("tenant", r.Tenant),
			slog.String("connector", r.ConnectorName()),
			slog.String("path", r.Path.String()),
			slog.String("basis", r.Basis.String()),
			slog.String("disposition", rr.Disposition.String()),
			slog.String("reason", rr.Reason.String()),
		)
		if c := rr.Route.Connector(); c != nil {
			attrs = append(attrs, slog.String("route", c.Name))
		}
		if w := r.Warnings.List(); len(w) > 0 {
			attrs = append(attrs, slog.String("warnings", strings.Join(w, ",")))
		}
		attrs = append(attrs, slog.String("action", action))
		msg := "policy"
		if routing {
			msg = "route"
		}
		log.LogAttrs(context.Background(), slog.LevelInfo, msg, attrs...)
	}
	return action, nil
}

// policyOutcome is the Outcome of a request that decide answered with
// err and, at RCPT without error, the result r.
func policyOutcome(req *PolicyRequest, err error, r *attribution.Result) Outcome {
	switch {
	case err != nil || (req.ProtocolState == "RCPT" && len(r.Recipients) != 1):
		return Outcome{Decision: OutcomeTempFail}
	case req.ProtocolState != "RCPT":
		return Outcome{Decision: OutcomeDunno}
	}
	rr := &r.Recipients[0]
	return Outcome{Decision: rr.Disposition.String(), Reason: rr.Reason.Code()}
}

// replyAction writes a reject reply as a policy action: "550 5.7.64 text".
// Postfix takes 4xx and 5xx replies as they are, enhanced status code
// included.
func replyAction(r attribution.Reply) string {
	if r.Code < 400 || r.Code > 599 {
		return ActionTempFail
	}
	s := r.String()
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	}
	return s
}

// session fills sc.session from req. It returns where the certificate
// names came from ("ccert_subject", "pin", "pubkey-pin"), "" for none.
func (s *PolicyServer) session(req *PolicyRequest, sc *policyScratch) (string, error) {
	ss := &sc.session
	*ss = attribution.Session{}

	ip, err := netip.ParseAddr(req.ClientAddress)
	if err != nil {
		return "", &BadRequestError{Attribute: "client_address", Value: req.ClientAddress, Msg: "not an IP address"}
	}
	ss.ClientIP = ip.Unmap()

	ss.Port = 25
	if req.ServerPort != "" {
		p, err := strconv.Atoi(req.ServerPort)
		if err != nil || p <= 0 || p > 65535 {
			return "", &BadRequestError{Attribute: "server_port", Value: req.ServerPort, Msg: "not a port number"}
		}
		ss.Port = p
	}

	v, ok := tlsVersion(req.EncryptionProtocol)
	if !ok {
		return "", &BadRequestError{Attribute: "encryption_protocol", Value: req.EncryptionProtocol, Msg: "unknown protocol; want TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 or empty"}
	}
	ss.TLSVersion = v

	// The certificate: a pinned fingerprint first (the pin is an explicit
	// trust decision and may name SANs Postfix does not send), then the
	// CN of a verified chain.
	source := ""
	if p := s.pins.Load(); p != nil && (req.CCertFingerprint != "" || req.CCertPubkeyFingerprint != "") {
		if ns, ok := p.Certificates.Lookup(req.CCertFingerprint); ok {
			ss.Certificate, source = ns, "pin"
		} else if ns, ok := p.PublicKeys.Lookup(req.CCertPubkeyFingerprint); ok {
			ss.Certificate, source = ns, "pubkey-pin"
		}
	}
	if source == "" && req.CCertSubject != "" {
		ns, err := certmatch.FromPostfix(req.CCertSubject)
		if err != nil {
			return "", &BadRequestError{Attribute: "ccert_subject", Value: req.CCertSubject, Msg: err.Error()}
		}
		ss.Certificate, source = ns, "ccert_subject"
	}
	if source != "" && ss.TLSVersion == 0 {
		return "", &BadRequestError{Attribute: "encryption_protocol", Msg: "a client certificate without TLS"}
	}

	if req.SASLUsername != "" {
		ss.AuthUser = attribution.ParseAddress(req.SASLUsername)
	}
	sender := req.Sender
	if sender == "" {
		sender = "<>"
	}
	ss.MailFrom = attribution.ParseAddress(sender)
	sc.rcpt[0] = attribution.ParseAddress(req.Recipient)
	ss.RcptTo = sc.rcpt[:]
	return source, nil
}

// tlsVersion maps Postfix's encryption_protocol to a TLS version; ""
// means no TLS.
func tlsVersion(p string) (uint16, bool) {
	switch p {
	case "":
		return 0, true
	case "TLSv1.3":
		return tls.VersionTLS13, true
	case "TLSv1.2":
		return tls.VersionTLS12, true
	case "TLSv1.1":
		return tls.VersionTLS11, true
	case "TLSv1":
		return tls.VersionTLS10, true
	case "SSLv3":
		return 0x0300, true // SSL 3.0 (crypto/tls's deprecated VersionSSL30): too old for anything but a session with TLS
	}
	return 0, false
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
