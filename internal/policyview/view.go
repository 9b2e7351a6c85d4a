// Package policyview builds the result objects that the policy-engine
// adapters (the cel and opa modules) return from mailflow.route and
// mailflow.attribute, and reads the session they are given. It is shared so
// that both engines answer with the same objects, built once, from the
// same library calls the CLI makes.
package policyview

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// The result objects are the JSON objects of `mailflow route --json` and
// `mailflow attribute --json` (cmd/mailflow/route.go, attribute.go), field
// for field, so that a policy can be written against what the CLI prints.
// TestMatchesCLI holds the two in step. They are built from Go values
// (string, nil for JSON null, []string, []any, map[string]any) that the
// engine's own adapter converts. Both the cel and the opa module import
// this package (internal/ is importable from the modules nested under the
// repository root); TestMatchesCLI in each holds it to the CLI.

// RouteAnswer is one line of `mailflow route --json` and the body of the
// HTTP API's GET /v1/route: the outbound connector that carries mail to
// one recipient, and why. [AnswerRoute] builds it; the CLI, the HTTP API
// and (through [Route]) the policy engines print what it holds.
type RouteAnswer struct {
	Recipient  string   `json:"recipient"`
	Domain     *string  `json:"domain"`
	Tenant     string   `json:"tenant"`
	Connector  *string  `json:"connector"`
	Rule       *string  `json:"rule"`
	Pattern    *string  `json:"pattern"`
	SmartHosts []string `json:"smart_hosts,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	// TransportRule is the rule that certainly routes the recipient;
	// Rules are every rule that does or may (with their conditions).
	TransportRule *string                   `json:"transport_rule"`
	Rules         []attribution.RuleOutcome `json:"rules,omitempty"`
	// Error says why there is no answer: the recipient does not parse,
	// or no tenant was named and none accepts its domain.
	Error *string `json:"error"`
}

// RouteQuery is what a route question holds besides the directory: the
// recipient (an address or a bare domain) and the envelope facts the
// transport rules' conditions read.
type RouteQuery struct {
	// Tenant is the sending tenant's ID as the directory spells it
	// (see [attribution.Directory.TenantID]), or "" for the tenant that
	// accepts the recipient's domain.
	Tenant    string
	Recipient string
	// From is MAIL FROM, for sender conditions; "" for none.
	From string
	// ClientIP is the last hop before the service, for SenderIpRanges.
	ClientIP netip.Addr
}

// AnswerRoute answers q from dir by Directory.ExplainRoute, as `mailflow
// route --json` prints it. A question it cannot answer has Error set
// (with Recipient, and Tenant when known).
func AnswerRoute(dir *attribution.Directory, q RouteQuery) RouteAnswer {
	a := RouteAnswer{Recipient: q.Recipient, Tenant: q.Tenant}
	d, err := RecipientDomain(q.Recipient)
	if err == nil && a.Tenant == "" {
		if owner, _, ok := dir.Owner(d); ok {
			a.Tenant = owner
		} else {
			err = fmt.Errorf("no tenant accepts %s: name the sending tenant with --tenant, or tenant= over HTTP (%s)", d, listSome(dir.Tenants()))
		}
	}
	if err != nil {
		a.Error = ptr(err.Error())
		return a
	}
	env := attribution.Envelope{Recipient: attribution.ParseAddress(q.Recipient), ClientIP: q.ClientIP}
	if !strings.Contains(q.Recipient, "@") { // a bare domain: any address in it
		env.Recipient = attribution.ParseAddress("postmaster@" + d.String())
	}
	if q.From != "" {
		env.Sender = attribution.ParseAddress(q.From)
	}
	rex, _ := dir.ExplainRoute(a.Tenant, env)
	ex := rex.Domain
	a.Domain = ptr(d.String())
	a.Rule = ptr(ex.Selection.Rule().String())
	a.Pattern = ptr(ex.Selection.Pattern().String())
	a.Reason = rex.Reason
	a.Rules = rex.Rules
	c := ex.Selection.Connector()
	if rex.Decided >= 0 { // a transport rule routes it
		a.TransportRule = ptr(rex.Rules[rex.Decided].Rule)
		a.Rule, a.Pattern = ptr("transport-rule"), nil
		c = rex.Connector
	}
	if c != nil {
		a.Connector = ptr(c.Name)
		for _, h := range c.SmartHosts {
			a.SmartHosts = append(a.SmartHosts, h.String())
		}
	}
	return a
}

// Route answers mailflow.route(tenant, rcpt) from dir: the outbound
// connector that carries mail from tenant to rcpt, by [AnswerRoute]. An
// empty tenant means the CLI's default: the only tenant, or else the
// tenant that accepts rcpt's domain.
func Route(dir *attribution.Directory, tenant, rcpt string) (map[string]any, error) {
	if dir == nil {
		return nil, ErrNoDirectory
	}
	id, ok := SendingTenant(dir, tenant)
	if !ok {
		return nil, fmt.Errorf("tenant %q: no such tenant in the directory", tenant)
	}
	a := AnswerRoute(dir, RouteQuery{Tenant: id, Recipient: rcpt})
	if a.Error != nil {
		return nil, fmt.Errorf("recipient %q: %s", rcpt, *a.Error)
	}
	return a.Map(), nil
}

// SendingTenant resolves the sending tenant of a route question as the
// CLI does: tenant as the directory spells its ID (IDs compare ignoring
// case); for "", the only tenant of dir, or else "" (each recipient is
// routed by the tenant that accepts its domain). ok is false for a tenant
// dir does not hold.
func SendingTenant(dir *attribution.Directory, tenant string) (id string, ok bool) {
	switch {
	case tenant != "":
		return dir.TenantID(tenant)
	case dir.Len() == 1:
		return dir.Tenants()[0], true
	}
	return "", true
}

// Map is a as Go values of its JSON (nil for null), for the engines.
func (a *RouteAnswer) Map() map[string]any {
	v := map[string]any{
		"recipient":      a.Recipient,
		"domain":         orNull(a.Domain),
		"tenant":         a.Tenant,
		"connector":      orNull(a.Connector),
		"rule":           orNull(a.Rule),
		"pattern":        orNull(a.Pattern),
		"transport_rule": orNull(a.TransportRule),
		"error":          orNull(a.Error),
	}
	if a.Reason != "" {
		v["reason"] = a.Reason
	}
	if len(a.Rules) > 0 { // omitempty, as encoding/json
		v["rules"] = ruleOutcomes(a.Rules)
	}
	if len(a.SmartHosts) > 0 {
		v["smart_hosts"] = slices.Clone(a.SmartHosts)
	}
	return v
}

// ruleOutcomes is the JSON of []attribution.RuleOutcome, with its
// omitempty fields left out as encoding/json leaves them.
func ruleOutcomes(rs []attribution.RuleOutcome) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		m := map[string]any{"rule": r.Rule, "priority": int64(r.Priority), "applies": r.Applies.String()}
		if r.Connector != "" {
			m["connector"] = r.Connector
		}
		if len(r.Checks) > 0 {
			checks := make([]any, len(r.Checks))
			for j, c := range r.Checks {
				cm := map[string]any{"predicate": c.Predicate, "text": c.Text, "result": c.Result.String()}
				if c.Why != "" {
					cm["why"] = c.Why
				}
				checks[j] = cm
			}
			m["checks"] = checks
		}
		if r.Stops {
			m["stops"] = true
		}
		if r.Note != "" {
			m["note"] = r.Note
		}
		out[i] = m
	}
	return out
}

// RecipientDomain takes the domain of an address, or a bare domain, as the
// CLI's route command does.
func RecipientDomain(s string) (domain.Name, error) {
	if !strings.Contains(s, "@") && !strings.HasPrefix(s, "<") {
		return domain.Parse(s)
	}
	return domain.FromAddress(s)
}

// AttributeAnswer is the output of `mailflow attribute --json` and the
// body of the HTTP API's POST /v1/attribute. [AnswerAttribute] builds it.
type AttributeAnswer struct {
	Tenant     *string           `json:"tenant"`
	Connector  *string           `json:"connector"`
	Path       string            `json:"path"`
	Basis      string            `json:"basis"`
	Recipients []RecipientAnswer `json:"recipients"`
	Warnings   []string          `json:"warnings"`
	Steps      []string          `json:"steps"`
}

// RecipientAnswer is the decision for one recipient of an
// [AttributeAnswer].
type RecipientAnswer struct {
	Address     string  `json:"address"`
	Tenant      *string `json:"tenant"`
	Disposition string  `json:"disposition"`
	Reply       string  `json:"reply"`
	Reason      string  `json:"reason"`
	Route       *string `json:"route"`
}

// AnswerAttribute attributes s in dir by Directory.Explain, as `mailflow
// attribute --json` prints it; r, when not nil, receives the result
// itself (the CLI prints its text form from it).
func AnswerAttribute(dir *attribution.Directory, s *attribution.Session, r *attribution.Result) AttributeAnswer {
	res := dir.Explain(s)
	if r != nil {
		*r = res
	}
	a := AttributeAnswer{
		Tenant:     ptr(res.Tenant),
		Connector:  ptr(res.ConnectorName()),
		Path:       res.Path.String(),
		Basis:      res.Basis.String(),
		Recipients: make([]RecipientAnswer, 0, len(res.Recipients)),
		Warnings:   res.Warnings.List(),
		Steps:      res.Steps,
	}
	if a.Warnings == nil {
		a.Warnings = []string{}
	}
	if a.Steps == nil {
		a.Steps = []string{}
	}
	for _, rc := range res.Recipients {
		ra := RecipientAnswer{Address: rc.Address, Tenant: ptr(rc.Tenant), Disposition: rc.Disposition.String(), Reply: rc.Reply.String(), Reason: rc.Reason.String()}
		if c := rc.Route.Connector(); c != nil {
			ra.Route = ptr(c.Name)
		}
		a.Recipients = append(a.Recipients, ra)
	}
	return a
}

// Attribute answers mailflow.attribute(session) from dir, by
// [AnswerAttribute].
func Attribute(dir *attribution.Directory, s *attribution.Session) (map[string]any, error) {
	if dir == nil {
		return nil, ErrNoDirectory
	}
	a := AnswerAttribute(dir, s, nil)
	return a.Map(), nil
}

// Map is a as Go values of its JSON (nil for null), for the engines.
func (a *AttributeAnswer) Map() map[string]any {
	recipients := make([]any, len(a.Recipients))
	for i, rc := range a.Recipients {
		recipients[i] = map[string]any{
			"address":     rc.Address,
			"tenant":      orNull(rc.Tenant),
			"disposition": rc.Disposition,
			"reply":       rc.Reply,
			"reason":      rc.Reason,
			"route":       orNull(rc.Route),
		}
	}
	return map[string]any{
		"tenant":     orNull(a.Tenant),
		"connector":  orNull(a.Connector),
		"path":       a.Path,
		"basis":      a.Basis,
		"recipients": recipients,
		"warnings":   slices.Clone(a.Warnings),
		"steps":      slices.Clone(a.Steps),
	}
}

// ptr is a JSON string that is null when empty.
func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// orNull is *s as an engine value: nil for JSON null.
func orNull(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// listSome names the first ten of ids, and says how many more there are.
func listSome(ids []string) string {
	if len(ids) > 10 {
		return strings.Join(ids[:10], ", ") + fmt.Sprintf(", and %d more", len(ids)-10)
	}
	return strings.Join(ids, ", ")
}

// ErrNoDirectory is the error of a call whose Source returned no directory.
var ErrNoDirectory = errors.New("no directory: the Source returned nil")

// Session keys: the inputs of `mailflow attribute`, named after its flags.
const (
	KeyIP        = "ip"         // string, required: the client IP
	KeyPort      = "port"       // int, default 25
	KeyTLS       = "tls"        // "none", "1.0" … "1.3"; default "1.2" with a certificate, else "none"
	KeyCertNames = "cert_names" // list of strings: the verified certificate's CN and DNS SANs
	KeyAuth      = "auth"       // string: the SMTP AUTH user (a mailbox address)
	KeyMailFrom  = "mail_from"  // string, required; "<>" for the null sender
	KeyRcpt      = "rcpt"       // non-empty list of strings, required
)

// FieldError is an error of [SessionInput.Session] in the value of one
// session key.
type FieldError struct {
	Key string // KeyIP, KeyPort, ...
	msg string
	err error
}

func (e *FieldError) Error() string { return e.msg }

// Unwrap returns the parser's error, if there was one.
func (e *FieldError) Unwrap() error { return e.err }

// fieldError makes a *FieldError for key; its text is "session.KEY"
// followed by format, and err (if any) is the last argument %w formats.
func fieldError(key string, err error, format string, args ...any) *FieldError {
	return &FieldError{Key: key, msg: "session." + key + fmt.Sprintf(format, args...), err: err}
}

// SessionInput is a session as the engine gives it, before parsing; the
// zero value of each field means the key was absent.
type SessionInput struct {
	IP, TLS, Auth, MailFrom string
	Port                    int64
	HasPort                 bool
	CertNames, Rcpt         []string
}

// Session checks and parses in the way `mailflow attribute` does its flags;
// an error is a *[FieldError] naming the key at fault.
func (in *SessionInput) Session() (*attribution.Session, error) {
	switch {
	case in.IP == "":
		return nil, fieldError(KeyIP, nil, " is required (the client IP)")
	case in.MailFrom == "":
		return nil, fieldError(KeyMailFrom, nil, " is required; use \"<>\" for the null sender")
	case len(in.Rcpt) == 0:
		return nil, fieldError(KeyRcpt, nil, " needs at least one recipient")
	}
	port := int64(25)
	if in.HasPort {
		port = in.Port
	}
	if port < 1 || port > 65535 {
		return nil, fieldError(KeyPort, nil, " %d is not a TCP port", port)
	}
	ip, err := netip.ParseAddr(in.IP)
	if err != nil {
		return nil, fieldError(KeyIP, err, " %q is not an IP address", in.IP)
	}
	s := &attribution.Session{
		ClientIP: ip,
		Port:     int(port),
		MailFrom: attribution.ParseAddress(in.MailFrom),
		RcptTo:   attribution.ParseAddresses(in.Rcpt...),
	}
	if err := s.MailFrom.Err; err != nil && !s.MailFrom.IsNull() {
		return nil, fieldError(KeyMailFrom, err, ": %v", err)
	}
	if in.Auth != "" {
		s.AuthUser = attribution.ParseAddress(in.Auth)
		if s.AuthUser.Err != nil {
			return nil, fieldError(KeyAuth, s.AuthUser.Err, ": %v", s.AuthUser.Err)
		}
	}
	if len(in.CertNames) > 0 {
		if s.Certificate, err = certmatch.ParseNames(in.CertNames...); err != nil {
			return nil, fieldError(KeyCertNames, err, ": %v", err)
		}
	}
	tlsName := in.TLS
	if tlsName == "" {
		tlsName = "none"
		if len(in.CertNames) > 0 {
			tlsName = "1.2"
		}
	}
	if s.TLSVersion, err = attribution.ParseTLSVersion(tlsName); err != nil {
		return nil, fieldError(KeyTLS, err, ": %v", err)
	}
	if len(in.CertNames) > 0 && s.TLSVersion == 0 {
		return nil, fieldError(KeyTLS, nil, ": a client certificate needs TLS: drop tls \"none\"")
	}
	return s, nil
}
