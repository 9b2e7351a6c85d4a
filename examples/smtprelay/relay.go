package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Envelope is an accepted message with the route of each recipient.
type Envelope struct {
	// From is the envelope sender; "<>" for the null sender.
	From string
	// Tenant is the tenant the session was attributed to, "" if none.
	Tenant string
	// Recipients are the accepted recipients, in RCPT order.
	Recipients []Recipient
	// Data is the message.
	Data []byte
}

// Recipient is one accepted recipient and where it goes.
type Recipient struct {
	Address     string
	Disposition attribution.Disposition // Deliver or Relay
	// Route is the outbound connector the tenant's table selected; its
	// Connector() is nil for default routing (MX).
	Route connector.Selection
}

// NextHop says where a recipient goes, for logs: the connector and its
// smart hosts, or default routing.
func (r Recipient) NextHop() string {
	c := r.Route.Connector()
	if c == nil {
		return "default routing (MX)"
	}
	if c.UseMXRecord {
		return fmt.Sprintf("connector %q: MX of the recipient domain", c.Name)
	}
	hosts := make([]string, len(c.SmartHosts))
	for i, h := range c.SmartHosts {
		hosts[i] = h.String()
	}
	return fmt.Sprintf("connector %q: smart hosts %s", c.Name, strings.Join(hosts, ", "))
}

// Backend is a go-smtp backend that attributes every RCPT TO with
// mailflow and routes accepted recipients through the tenant's outbound
// connectors.
type Backend struct {
	// Directory is read once per RCPT; store a new Directory to reload.
	Directory *attribution.Holder
	// Deliver takes accepted messages. A real relay queues the message
	// here and returns; an error is the answer to DATA (see smtpError).
	Deliver func(ctx context.Context, e *Envelope) error
	// Logger gets a line per decision and the detail of internal errors.
	Logger *slog.Logger
}

// NewSession implements smtp.Backend.
func (b *Backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{b: b, log: b.Logger.With("remote", c.Conn().RemoteAddr().String())}
	if ap, err := netip.ParseAddrPort(c.Conn().RemoteAddr().String()); err == nil {
		s.base.ClientIP = ap.Addr().Unmap()
	}
	if ap, err := netip.ParseAddrPort(c.Conn().LocalAddr().String()); err == nil {
		s.base.Port = int(ap.Port())
	}
	// The TLS state is read at MAIL FROM: STARTTLS comes after the
	// session is made.
	s.conn = c
	return s, nil
}

// session is one SMTP connection.
type session struct {
	b    *Backend
	conn *smtp.Conn
	log  *slog.Logger

	base   attribution.Session // client IP, port, TLS, certificate
	from   attribution.Address
	rcpts  []attribution.Address // accepted so far
	routed []Recipient
	tenant string
}

// Mail implements smtp.Session.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.Reset()
	s.base.TLSVersion, s.base.Certificate = 0, certmatch.Names{}
	if cs, ok := s.conn.TLSConnectionState(); ok {
		s.base.TLSVersion = cs.Version
		// Only a verified chain counts (the server's ClientAuth is
		// VerifyClientCertIfGiven); an error here means no certificate.
		if names, err := certmatch.FromConnectionState(cs); err == nil {
			s.base.Certificate = names
		}
	}
	if from == "" {
		from = "<>"
	}
	s.from = attribution.ParseAddress(from)
	if s.from.Err != nil && !s.from.IsNull() {
		return s.smtpError(&ReplyError{Reply: attribution.Reply{Code: 501, Enhanced: "5.1.7", Text: "Bad sender address syntax"}, Detail: s.from.Err.Error()})
	}
	return nil
}

// Rcpt implements smtp.Session: the session is attributed again with the
// recipients accepted so far plus this one (attribution step 3 looks at
// the first recipient), and this recipient's decision is the answer.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.from.Text == "" {
		return s.smtpError(&ReplyError{Reply: attribution.Reply{Code: 503, Enhanced: "5.5.1", Text: "MAIL first"}})
	}
	ss := s.base
	ss.MailFrom = s.from
	ss.RcptTo = append(append(make([]attribution.Address, 0, len(s.rcpts)+1), s.rcpts...), attribution.ParseAddress(to))
	dir := s.b.Directory.Load()
	r := dir.Attribute(&ss)
	rr := r.Recipients[len(r.Recipients)-1]
	s.log.Info("rcpt", "from", s.from.Text, "to", to, "tenant", r.Tenant, "connector", r.ConnectorName(),
		"path", r.Path.String(), "basis", r.Basis.String(), "disposition", rr.Disposition.String(), "reply", rr.Reply.String())
	if rr.Disposition == attribution.Reject {
		return s.smtpError(&ReplyError{Reply: rr.Reply, Detail: rr.Reason.String()})
	}
	s.rcpts = ss.RcptTo
	s.tenant = r.Tenant
	s.routed = append(s.routed, Recipient{Address: to, Disposition: rr.Disposition, Route: route(dir, r.Tenant, rr)})
	return nil
}

// route selects the outbound connector for an accepted recipient in the
// sending tenant's table, or, for a session attributed to no tenant (mail
// delivered to an accepted domain), in the table of the tenant owning the
// recipient's domain.
func route(dir *attribution.Directory, sending string, rr attribution.RecipientResult) connector.Selection {
	tenant := sending
	if tenant == "" {
		tenant = rr.Tenant
	}
	table, ok := dir.OutboundTable(tenant)
	if !ok {
		return connector.Selection{}
	}
	d, err := domain.FromAddress(rr.Address)
	if err != nil {
		return connector.Selection{}
	}
	return table.Select(d)
}

// Data implements smtp.Session.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return s.smtpError(err)
	}
	e := &Envelope{From: s.from.Text, Tenant: s.tenant, Recipients: s.routed, Data: data}
	for _, rc := range e.Recipients {
		s.log.Info("accepted", "from", e.From, "to", rc.Address, "disposition", rc.Disposition.String(), "next_hop", rc.NextHop())
	}
	return s.smtpError(s.b.Deliver(context.Background(), e))
}

// Reset implements smtp.Session.
func (s *session) Reset() {
	s.from, s.rcpts, s.routed, s.tenant = attribution.Address{}, nil, nil, ""
}

// Logout implements smtp.Session.
func (s *session) Logout() error { return nil }

// ReplyError is an SMTP reply decided by mailflow, with detail for the
// log that the client does not see.
type ReplyError struct {
	Reply  attribution.Reply
	Detail string
}

func (e *ReplyError) Error() string {
	if e.Detail == "" {
		return e.Reply.String()
	}
	return e.Reply.String() + " (" + e.Detail + ")"
}

// smtpError is the one boundary between this program's errors and the
// wire. go-smtp recognises a reply only by a direct type assertion on
// *smtp.SMTPError: anything else, a wrapped *smtp.SMTPError included,
// reaches the client as "451 4.0.0 <err.Error()>" (or "554 5.0.0" after
// DATA), so a permanent rejection would turn temporary and internal text
// would leak. So every error is unwrapped here into a fresh
// *smtp.SMTPError:
//
//	a *smtp.SMTPError anywhere in the chain   its code and message
//	a *ReplyError anywhere in the chain       mailflow's reply; the detail is logged
//	anything else                             451 4.3.0, generic text; the error is logged
func (s *session) smtpError(err error) error {
	if err == nil {
		return nil
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		if err != error(se) {
			s.log.Info("reply from a wrapped error", "err", err.Error())
		}
		return &smtp.SMTPError{Code: se.Code, EnhancedCode: se.EnhancedCode, Message: se.Message}
	}
	var re *ReplyError
	if errors.As(err, &re) && re.Reply.Code >= 400 && re.Reply.Code <= 599 {
		if re.Detail != "" {
			s.log.Info("reply", "reply", re.Reply.String(), "detail", re.Detail)
		}
		return fromReply(re.Reply)
	}
	s.log.Error("internal error answered 451", "err", err.Error())
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary server error; try again later"}
}

// fromReply converts a mailflow reply: "550 5.7.64 …" → Code 550,
// EnhancedCode {5, 7, 64}.
func fromReply(r attribution.Reply) *smtp.SMTPError {
	ec := smtp.NoEnhancedCode
	if parts := strings.Split(r.Enhanced, "."); len(parts) == 3 {
		var e smtp.EnhancedCode
		ok := true
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			ok = ok && err == nil && n >= 0 && n < 1000
			e[i] = n
		}
		if ok && e[0] == r.Code/100 {
			ec = e
		}
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: ec, Message: r.Text}
}
