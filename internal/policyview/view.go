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

// Route answers mailflow.route(tenant, rcpt) from dir: the outbound
// connector that carries mail from tenant to rcpt, by Table.Explain. An empty
// tenant means the CLI's default: the only tenant, or else the tenant that
// accepts rcpt's domain.
func Route(dir *attribution.Directory, tenant, rcpt string) (map[string]any, error) {
	if dir == nil {
		return nil, ErrNoDirectory
	}
	d, err := RecipientDomain(rcpt)
	if err != nil {
		return nil, fmt.Errorf("recipient %q: %w", rcpt, err)
	}
	id := tenant
	switch {
	case id == "" && dir.Len() == 1:
		id = dir.Tenants()[0]
	case id == "":
		owner, _, ok := dir.Owner(d)
		if !ok {
			return nil, fmt.Errorf("recipient %q: no tenant accepts %s: name the sending tenant", rcpt, d)
		}
		id = owner
	default:
		var ok bool
		if id, ok = dir.TenantID(tenant); !ok { // IDs compare ignoring case
			return nil, fmt.Errorf("tenant %q: no such tenant in the directory", tenant)
		}
	}
	env := attribution.Envelope{Recipient: attribution.ParseAddress(rcpt)}
	if !strings.Contains(rcpt, "@") { // a bare domain: any address in it
		env.Recipient = attribution.ParseAddress("postmaster@" + d.String())
	}
	rex, _ := dir.ExplainRoute(id, env)
	ex := rex.Domain
	v := map[string]any{
		"recipient":      rcpt,
		"domain":         d.String(),
		"tenant":         id,
		"connector":      nil,
		"rule":           orNull(ex.Selection.Rule().String()),
		"pattern":        orNull(ex.Selection.Pattern().String()),
		"reason":         rex.Reason,
		"transport_rule": nil,
		"error":          nil,
	}
	if len(rex.Rules) > 0 { // the CLI omits an empty rules
		v["rules"] = ruleOutcomes(rex.Rules)
	}
	c := ex.Selection.Connector()
	if rex.Decided >= 0 { // a transport rule routes it, as in the CLI
		v["transport_rule"] = rex.Rules[rex.Decided].Rule
		v["rule"], v["pattern"] = "transport-rule", nil
		c = rex.Connector
	}
	if c != nil {
		v["connector"] = c.Name
		if len(c.SmartHosts) > 0 { // the CLI omits an empty smart_hosts
			hosts := make([]string, len(c.SmartHosts))
			for i, h := range c.SmartHosts {
				hosts[i] = h.String()
			}
			v["smart_hosts"] = hosts
		}
	}
	return v, nil
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

// Attribute answers mailflow.attribute(session) from dir, by
// Directory.Explain.
func Attribute(dir *attribution.Directory, s *attribution.Session) (map[string]any, error) {
	if dir == nil {
		return nil, ErrNoDirectory
	}
	r := dir.Explain(s)
	recipients := make([]any, len(r.Recipients))
	for i, rc := range r.Recipients {
		route := any(nil)
		if c := rc.Route.Connector(); c != nil {
			route = c.Name
		}
		recipients[i] = map[string]any{
			"address":     rc.Address,
			"tenant":      orNull(rc.Tenant),
			"disposition": rc.Disposition.String(),
			"reply":       rc.Reply.String(),
			"reason":      rc.Reason.String(),
			"route":       route,
		}
	}
	warnings := r.Warnings.List()
	if warnings == nil {
		warnings = []string{}
	}
	steps := r.Steps
	if steps == nil {
		steps = []string{}
	}
	return map[string]any{
		"tenant":     orNull(r.Tenant),
		"connector":  orNull(r.ConnectorName()),
		"path":       r.Path.String(),
		"basis":      r.Basis.String(),
		"recipients": recipients,
		"warnings":   warnings,
		"steps":      steps,
	}, nil
}

// orNull is the CLI's ptr: an empty string is JSON null.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
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

// SessionInput is a session as the engine gives it, before parsing; the
// zero value of each field means the key was absent.
type SessionInput struct {
	IP, TLS, Auth, MailFrom string
	Port                    int64
	HasPort                 bool
	CertNames, Rcpt         []string
}

// Session checks and parses in the way `mailflow attribute` does its flags,
// naming the key at fault.
func (in *SessionInput) Session() (*attribution.Session, error) {
	switch {
	case in.IP == "":
		return nil, fmt.Errorf("session.%s is required (the client IP)", KeyIP)
	case in.MailFrom == "":
		return nil, fmt.Errorf("session.%s is required; use \"<>\" for the null sender", KeyMailFrom)
	case len(in.Rcpt) == 0:
		return nil, fmt.Errorf("session.%s needs at least one recipient", KeyRcpt)
	}
	port := int64(25)
	if in.HasPort {
		port = in.Port
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("session.%s %d is not a TCP port", KeyPort, port)
	}
	ip, err := netip.ParseAddr(in.IP)
	if err != nil {
		return nil, fmt.Errorf("session.%s %q is not an IP address", KeyIP, in.IP)
	}
	s := &attribution.Session{
		ClientIP: ip,
		Port:     int(port),
		MailFrom: attribution.ParseAddress(in.MailFrom),
		RcptTo:   attribution.ParseAddresses(in.Rcpt...),
	}
	if err := s.MailFrom.Err; err != nil && !s.MailFrom.IsNull() {
		return nil, fmt.Errorf("session.%s: %w", KeyMailFrom, err)
	}
	if in.Auth != "" {
		s.AuthUser = attribution.ParseAddress(in.Auth)
		if s.AuthUser.Err != nil {
			return nil, fmt.Errorf("session.%s: %w", KeyAuth, s.AuthUser.Err)
		}
	}
	if len(in.CertNames) > 0 {
		if s.Certificate, err = certmatch.ParseNames(in.CertNames...); err != nil {
			return nil, fmt.Errorf("session.%s: %w", KeyCertNames, err)
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
		return nil, fmt.Errorf("session.%s: %w", KeyTLS, err)
	}
	if len(in.CertNames) > 0 && s.TLSVersion == 0 {
		return nil, fmt.Errorf("session.%s: a client certificate needs TLS: drop tls \"none\"", KeyCertNames)
	}
	return s, nil
}
