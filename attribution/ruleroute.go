package attribution

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// This file evaluates a tenant's transport rules for one recipient of a
// message, from what its envelope shows, to say which rule-scoped
// connector the message could take and on what condition.

// Envelope is what is known of a message when explaining its route. Any
// part left zero is unknown, and the predicates that need it are unknown
// conditions rather than false ones.
type Envelope struct {
	// Recipient is the recipient being routed; required.
	Recipient Address
	// Sender is MAIL FROM; a zero Text means unknown ("<>" is the null
	// sender, which is known).
	Sender Address
	// ClientIP is the address of the last hop before the service, which
	// SenderIpRanges looks at; invalid means unknown.
	ClientIP netip.Addr
	// Authenticated says the message is known to have come over an
	// authenticated connection (an authenticated submission or an inbound
	// connector), which InOrganization scopes require besides the address
	// (PSDOC New-TransportRule -FromScope). False means unknown.
	Authenticated bool
}

// Truth is the value of a condition on an envelope.
type Truth uint8

const (
	// TruthFalse: the condition does not hold.
	TruthFalse Truth = iota
	// TruthTrue: the condition holds.
	TruthTrue
	// TruthUnknown: the envelope cannot tell (a group, a header, an
	// unknown sender).
	TruthUnknown
)

var truthNames = [...]string{"false", "true", "unknown"}

// String returns "false", "true" or "unknown".
func (t Truth) String() string { return enumName(truthNames[:], t, "Truth") }

// MarshalText implements encoding.TextMarshaler.
func (t Truth) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Check is one predicate of a rule evaluated on an envelope.
type Check struct {
	// Predicate is the cmdlet name: "RecipientDomainIs",
	// "ExceptIfSentToMemberOf".
	Predicate string `json:"predicate"`
	// Text states it with the values that decided: "RecipientDomainIs
	// fabrikam.com".
	Text string `json:"text"`
	// Result is its value on the envelope.
	Result Truth `json:"result"`
	// Why says, for an unknown result, what mailflow cannot see.
	Why string `json:"why,omitempty"`
}

// RuleOutcome is one rule's part in a route.
type RuleOutcome struct {
	Rule      string `json:"rule"`
	Priority  int    `json:"priority"`
	Connector string `json:"connector,omitempty"` // RouteMessageOutboundConnector; "" for a rule that only stops processing
	// Applies is TruthTrue when the rule applies to the message, and
	// TruthUnknown when it applies only if the unknown checks go its way
	// (conditions hold, exceptions do not).
	Applies Truth `json:"applies"`
	// Checks are the conditions that matched (Applies true), or the
	// unknown conditions and exceptions it depends on (Applies unknown).
	Checks []Check `json:"checks,omitempty"`
	// Stops is set when the rule has StopRuleProcessing.
	Stops bool `json:"stops,omitempty"`
	// Note says why a routing rule was not evaluated ("disabled", "in
	// Audit mode: routes nothing").
	Note string `json:"note,omitempty"`
}

// RouteExplanation is how a tenant routes one recipient: through a
// rule-scoped connector when a transport rule says so, else by recipient
// domain.
//
// A rule's RouteMessageOutboundConnector overrides the recipient-domain
// choice: a rule-scoped connector is used exactly for "messages that match
// the conditions of the transport rule" (PSDOC New-OutboundConnector
// -IsTransportRuleScoped; EXODOC "Scenario: Conditional mail routing").
// When several rules route the same message, mailflow lets the one
// evaluated first (lowest Priority) decide: Microsoft documents no order
// for competing routing actions.
type RouteExplanation struct {
	Tenant string
	// Rules are the enabled, enforced rules that route (or stop rule
	// processing) and that apply or may apply, in priority order, up to
	// the first that certainly applies.
	Rules []RuleOutcome
	// Skipped are the rules with RouteMessageOutboundConnector that are
	// not evaluated, with a Note.
	Skipped []RuleOutcome
	// Decided is the rule that certainly routes the recipient (an index
	// into Rules), or -1 when the recipient-domain choice applies unless
	// one of the possible rules does.
	Decided int
	// Connector is the answer when it is certain: the deciding rule's
	// connector, or when no rule can apply, the recipient-domain choice
	// (nil for default routing).
	Connector *connector.Outbound
	// Domain is the recipient-domain choice ([connector.Table.Explain]).
	Domain connector.Explanation
	// Reason says it all in one line, for people.
	Reason string
}

// ExplainRoute evaluates the transport rules of tenant id for env, in
// Priority order, and combines them with the recipient-domain choice of
// the tenant's outbound table. It reports false when there is no such
// tenant. Like Explain, it allocates; it is not for the hot path.
func (d *Directory) ExplainRoute(id string, env Envelope) (RouteExplanation, bool) {
	ti, ok := d.index(id)
	if !ok {
		return RouteExplanation{}, false
	}
	t := d.rec(ti)
	ex := RouteExplanation{Tenant: t.ID, Decided: -1}
	if t.outbound != nil {
		ex.Domain = t.outbound.Explain(env.Recipient.Domain())
	}
	order := make([]int, len(t.TransportRules))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(t.TransportRules[a].Priority, t.TransportRules[b].Priority)
	})
	for _, ri := range order {
		r := &t.TransportRules[ri]
		out := RuleOutcome{Rule: r.Name, Priority: r.Priority, Connector: r.RouteMessageOutboundConnector, Stops: r.StopRuleProcessing}
		switch {
		case r.State != RuleEnabled:
			if r.RouteMessageOutboundConnector != "" {
				out.Note = "disabled"
				ex.Skipped = append(ex.Skipped, out)
			}
			continue
		case r.Mode != ModeEnforce:
			if r.RouteMessageOutboundConnector != "" {
				out.Note = "in " + r.Mode.String() + " mode: no action that affects delivery is taken, so it routes nothing"
				ex.Skipped = append(ex.Skipped, out)
			}
			continue
		case r.RouteMessageOutboundConnector == "" && !r.StopRuleProcessing:
			continue // plays no part in routing
		}
		out.Applies, out.Checks = d.evalRule(ti, r, env)
		if out.Applies == TruthFalse {
			continue
		}
		ex.Rules = append(ex.Rules, out)
		if out.Applies == TruthTrue {
			if r.RouteMessageOutboundConnector != "" {
				ex.Decided = len(ex.Rules) - 1
			}
			break
		}
	}
	switch {
	case ex.Decided >= 0:
		ex.Connector = d.ruleConnector(ti, ex.Rules[ex.Decided].Connector)
	case len(ex.Rules) == 0:
		ex.Connector = ex.Domain.Selection.Connector()
	}
	ex.Reason = ex.reason()
	return ex, true
}

// ruleConnector returns the tenant's connector named name, nil if none.
func (d *Directory) ruleConnector(ti int32, name string) *connector.Outbound {
	for c := range d.rec(ti).outboundConnectors() {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// evalRule evaluates r on env: conditions all hold, and no exception.
func (d *Directory) evalRule(ti int32, r *TransportRule, env Envelope) (Truth, []Check) {
	conds := d.evalPredicates(ti, r, &r.Conditions, "", env)
	excs := d.evalPredicates(ti, r, &r.Exceptions, "ExceptIf", env)
	var unknown, matched []Check
	for _, c := range conds {
		switch c.Result {
		case TruthFalse:
			return TruthFalse, []Check{c}
		case TruthUnknown:
			unknown = append(unknown, c)
		default:
			matched = append(matched, c)
		}
	}
	for _, c := range excs {
		switch c.Result {
		case TruthTrue:
			return TruthFalse, []Check{c}
		case TruthUnknown:
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		return TruthUnknown, unknown
	}
	return TruthTrue, matched
}

// evalPredicates evaluates each given predicate of p.
func (d *Directory) evalPredicates(ti int32, r *TransportRule, p *Predicates, prefix string, env Envelope) []Check {
	var out []Check
	add := func(name string, res Truth, text, why string) {
		out = append(out, Check{Predicate: prefix + name, Text: prefix + name + " " + text, Result: res, Why: why})
	}
	rcpt := env.Recipient
	rcptAddr := addressKey(rcpt)
	if len(p.SentTo) > 0 {
		res, text := matchIdentities(p.SentTo, rcptAddr)
		add("SentTo", res, text, whyIdentity(res))
	}
	if len(p.SentToMemberOf) > 0 {
		add("SentToMemberOf", TruthUnknown, strings.Join(p.SentToMemberOf, ", "), "group membership is directory data that mailflow does not have")
	}
	if len(p.RecipientDomainIs) > 0 {
		res, text := matchDomains(p.RecipientDomainIs, rcpt.Domain())
		add("RecipientDomainIs", res, text, "")
	}
	if len(p.RecipientAddressContainsWords) > 0 {
		res, text := TruthFalse, strings.Join(p.RecipientAddressContainsWords, ", ")
		for _, w := range p.RecipientAddressContainsWords {
			if rcptAddr != "" && strings.Contains(rcptAddr, strings.ToLower(w)) {
				res, text = TruthTrue, w
				break
			}
		}
		add("RecipientAddressContainsWords", res, text, "")
	}
	if len(p.RecipientAddressMatchesPatterns) > 0 {
		res, texts := TruthFalse, make([]string, len(p.RecipientAddressMatchesPatterns))
		text := ""
		for i, pat := range p.RecipientAddressMatchesPatterns {
			texts[i] = pat.String()
			if res == TruthFalse && rcptAddr != "" && pat.Match(rcptAddr) {
				res, text = TruthTrue, pat.String()
			}
		}
		if text == "" {
			text = strings.Join(texts, ", ")
		}
		add("RecipientAddressMatchesPatterns", res, text, "")
	}
	if p.SentToScope != ScopeUnset {
		res, why := d.scope(ti, p.SentToScope, rcpt, true, env.Authenticated)
		add("SentToScope", res, p.SentToScope.String(), why)
	}
	senderKnown := env.Sender.Text != ""
	sender := func(name, text string, envelope func() bool) {
		switch {
		case r.SenderAddressLocation == LocationHeader:
			add(name, TruthUnknown, text, "SenderAddressLocation is Header: the From header is not in the envelope")
		case !senderKnown:
			add(name, TruthUnknown, text, "no sender given")
		case envelope():
			add(name, TruthTrue, text, "")
		case r.SenderAddressLocation == LocationHeaderOrEnvelope:
			add(name, TruthUnknown, text, "MAIL FROM does not match, and SenderAddressLocation HeaderOrEnvelope also reads the From header, which is not in the envelope")
		default:
			add(name, TruthFalse, text, "")
		}
	}
	if len(p.From) > 0 {
		res, _ := matchIdentities(p.From, addressKey(env.Sender))
		sender("From", strings.Join(p.From, ", "), func() bool { return res == TruthTrue })
	}
	if len(p.FromMemberOf) > 0 {
		add("FromMemberOf", TruthUnknown, strings.Join(p.FromMemberOf, ", "), "group membership is directory data that mailflow does not have")
	}
	if len(p.SenderDomainIs) > 0 {
		res, _ := matchDomains(p.SenderDomainIs, env.Sender.Domain())
		sender("SenderDomainIs", joinNames(p.SenderDomainIs), func() bool { return res == TruthTrue })
	}
	if p.FromScope != ScopeUnset {
		if !senderKnown {
			add("FromScope", TruthUnknown, p.FromScope.String(), "no sender given")
		} else {
			res, why := d.scope(ti, p.FromScope, env.Sender, false, env.Authenticated)
			add("FromScope", res, p.FromScope.String(), why)
		}
	}
	if len(p.SenderIpRanges) > 0 {
		var texts []string
		res, text := TruthFalse, ""
		for _, ipr := range p.SenderIpRanges {
			texts = append(texts, ipr.String())
			if env.ClientIP.IsValid() && ipr.Contains(env.ClientIP.Unmap()) && text == "" {
				res, text = TruthTrue, ipr.String()
			}
		}
		why := ""
		if !env.ClientIP.IsValid() {
			res, why = TruthUnknown, "no client IP given"
		}
		if text == "" {
			text = strings.Join(texts, ", ")
		}
		add("SenderIpRanges", res, text, why)
	}
	if p.HeaderContainsMessageHeader != "" || len(p.HeaderContainsWords) > 0 {
		add("HeaderContainsWords", TruthUnknown, p.HeaderContainsMessageHeader+": "+strings.Join(p.HeaderContainsWords, ", "), "message headers are not in the envelope")
	}
	for _, u := range p.Unmodelled {
		out = append(out, Check{Predicate: prefix + u, Text: prefix + u, Result: TruthUnknown, Why: "a condition that mailflow does not model"})
	}
	return out
}

// scope evaluates FromScope or SentToScope on address a: in the
// organization means in one of the tenant's accepted domains over an
// authenticated connection; outside means in none of them.
func (d *Directory) scope(ti int32, s Scope, a Address, recipient bool, authenticated bool) (Truth, string) {
	owner, _, ok := d.owner(a.Domain())
	inside := ok && owner == ti && a.Err == nil
	switch {
	case s == NotInOrganization:
		return truth(!inside), ""
	case !inside:
		return TruthFalse, ""
	case authenticated:
		return TruthTrue, ""
	}
	who := "sender"
	if recipient {
		who = "recipient"
	}
	return TruthUnknown, "the " + who + " is in an accepted domain, and InOrganization also needs an authenticated connection, which the envelope does not show"
}

func truth(b bool) Truth {
	if b {
		return TruthTrue
	}
	return TruthFalse
}

// addressKey is an address as rules compare it: local@domain in lower
// case; "" for an address without a domain (the null sender).
func addressKey(a Address) string {
	if a.Err != nil || !a.Domain().IsValid() {
		return ""
	}
	return strings.ToLower(a.Mailbox.Local) + "@" + a.Domain().String()
}

// matchIdentities compares SentTo or From values with an address: true
// when one is that address; unknown when none is but some value is a
// name, alias or GUID that mailflow cannot resolve to addresses.
func matchIdentities(ids []string, addr string) (Truth, string) {
	opaque := false
	for _, id := range ids {
		m, err := domain.ParseMailbox(strings.TrimSpace(id))
		if err != nil {
			opaque = true
			continue
		}
		if addr != "" && strings.ToLower(m.Local)+"@"+m.Domain.String() == addr {
			return TruthTrue, id
		}
	}
	if opaque {
		return TruthUnknown, strings.Join(ids, ", ")
	}
	return TruthFalse, strings.Join(ids, ", ")
}

func whyIdentity(t Truth) string {
	if t == TruthUnknown {
		return "names, aliases and GUIDs are directory data that mailflow cannot resolve to addresses"
	}
	return ""
}

// matchDomains reports whether n is one of ds or below one (the rule
// "matches domains and subdomains", PSDOC -RecipientDomainIs).
func matchDomains(ds []domain.Name, n domain.Name) (Truth, string) {
	if n.IsValid() {
		for _, d := range ds {
			if n == d || n.IsSubdomainOf(d) {
				return TruthTrue, d.String()
			}
		}
	}
	return TruthFalse, joinNames(ds)
}

func joinNames(ns []domain.Name) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.String()
	}
	return strings.Join(s, ", ")
}

// reason writes the explanation in one line:
//
//	rule 'Route to Partner' (priority 0): RecipientDomainIs fabrikam.com → connector 'Partner via TLS' (overrides the recipient-domain choice: …)
//	only if SentToMemberOf sales@contoso.com holds (…): rule 'Sales' (priority 1) → connector 'Sales site'; otherwise Connector 2: exact match contoso.com
func (ex *RouteExplanation) reason() string {
	var parts []string
	for i, o := range ex.Rules {
		head := "rule '" + o.Rule + "' (priority " + strconv.Itoa(o.Priority) + ")"
		target := "→ connector '" + o.Connector + "'"
		if o.Connector == "" {
			target = "stops rule processing"
		}
		if i == ex.Decided || o.Applies == TruthTrue {
			var texts []string
			for _, c := range o.Checks {
				texts = append(texts, c.Text)
			}
			cond := "applies to every message"
			if len(texts) > 0 {
				cond = strings.Join(texts, " and ")
			}
			s := head + ": " + cond + " " + target
			if i == ex.Decided && ex.Domain.Reason != "" {
				s += " (overrides the recipient-domain choice: " + ex.Domain.Reason + ")"
			} else if o.Connector == "" {
				s += "; then " + ex.Domain.Reason
			}
			parts = append(parts, s)
			break
		}
		var conds []string
		for _, c := range o.Checks {
			s := c.Text
			if strings.HasPrefix(c.Predicate, "ExceptIf") {
				s = "not " + s
			}
			if c.Why != "" {
				s += " (unknown: " + c.Why + ")"
			}
			conds = append(conds, s)
		}
		parts = append(parts, "only if "+strings.Join(conds, " and ")+": "+head+" "+target)
	}
	if ex.Decided < 0 && !(len(ex.Rules) > 0 && ex.Rules[len(ex.Rules)-1].Applies == TruthTrue) {
		if len(parts) == 0 {
			return ex.Domain.Reason
		}
		parts = append(parts, "otherwise "+ex.Domain.Reason)
	}
	return strings.Join(parts, "; ")
}
