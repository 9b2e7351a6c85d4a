package attribution

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// This file models the mail flow rules (transport rules) that route
// through an outbound connector: Get-TransportRule records with
// RouteMessageOutboundConnector and the predicates that scope them. Only a
// rule selects an IsTransportRuleScoped connector (facts §0.3; PSDOC
// New-OutboundConnector -IsTransportRuleScoped: "Messages that match the
// conditions of the transport rule are routed to their destinations by
// using the specified Outbound connector").

// RuleState is a transport rule's State (Get-TransportRule); the zero
// value is Enabled, New-TransportRule's default.
type RuleState uint8

const (
	// RuleEnabled: the rule is evaluated.
	RuleEnabled RuleState = iota
	// RuleDisabled: the rule is never evaluated.
	RuleDisabled
)

var ruleStateNames = [...]string{"Enabled", "Disabled"}

// String returns "Enabled" or "Disabled".
func (s RuleState) String() string { return enumName(ruleStateNames[:], s, "RuleState") }

// ParseRuleState parses "Enabled" or "Disabled", ignoring case.
func ParseRuleState(s string) (RuleState, error) {
	return parseRuleEnum[RuleState](s, ruleStateNames[:], "State", "want Enabled or Disabled")
}

// RuleMode is a transport rule's Mode; the zero value is Enforce, the
// cmdlet's default.
type RuleMode uint8

const (
	// ModeEnforce: every action of the rule is taken.
	ModeEnforce RuleMode = iota
	// ModeAudit: actions are only logged; "no action that affects message
	// delivery is taken" (PSDOC New-TransportRule -Mode), so such a rule
	// routes nothing.
	ModeAudit
	// ModeAuditAndNotify: as Audit, with notifications.
	ModeAuditAndNotify
)

var ruleModeNames = [...]string{"Enforce", "Audit", "AuditAndNotify"}

// String returns "Enforce", "Audit" or "AuditAndNotify".
func (m RuleMode) String() string { return enumName(ruleModeNames[:], m, "RuleMode") }

// ParseRuleMode parses "Enforce", "Audit" or "AuditAndNotify", ignoring
// case.
func ParseRuleMode(s string) (RuleMode, error) {
	return parseRuleEnum[RuleMode](s, ruleModeNames[:], "Mode", "want Enforce, Audit or AuditAndNotify")
}

// Scope is the value of FromScope and SentToScope; the zero value is
// unset (no condition).
type Scope uint8

const (
	// ScopeUnset: the predicate is not given.
	ScopeUnset Scope = iota
	// InOrganization: an address in an accepted domain, over an
	// authenticated connection (PSDOC New-TransportRule -FromScope).
	InOrganization
	// NotInOrganization: an address outside the accepted domains.
	NotInOrganization
)

var scopeNames = [...]string{"", "InOrganization", "NotInOrganization"}

// String returns "InOrganization", "NotInOrganization" or "" when unset.
func (s Scope) String() string { return enumName(scopeNames[:], s, "Scope") }

// ParseScope parses "InOrganization" or "NotInOrganization", ignoring
// case; "" is unset. ExternalPartner and ExternalNonPartner exist only in
// on-premises Exchange (PSDOC -SentToScope) and are refused.
func ParseScope(s string) (Scope, error) {
	if strings.EqualFold(s, "ExternalPartner") || strings.EqualFold(s, "ExternalNonPartner") {
		return 0, &ruleValueError{what: "scope", input: s, msg: "available only in on-premises Exchange; want InOrganization or NotInOrganization"}
	}
	return parseRuleEnum[Scope](s, scopeNames[:], "scope", "want InOrganization or NotInOrganization")
}

// AddressLocation is a rule's SenderAddressLocation: where From,
// FromMemberOf and SenderDomainIs look for the sender. The zero value is
// Header, the cmdlet's default.
type AddressLocation uint8

const (
	// LocationHeader: the From header only, which an envelope does not
	// show.
	LocationHeader AddressLocation = iota
	// LocationEnvelope: MAIL FROM only.
	LocationEnvelope
	// LocationHeaderOrEnvelope: either.
	LocationHeaderOrEnvelope
)

var locationNames = [...]string{"Header", "Envelope", "HeaderOrEnvelope"}

// String returns "Header", "Envelope" or "HeaderOrEnvelope".
func (l AddressLocation) String() string { return enumName(locationNames[:], l, "AddressLocation") }

// ParseAddressLocation parses "Header", "Envelope" or "HeaderOrEnvelope",
// ignoring case; "" is Header.
func ParseAddressLocation(s string) (AddressLocation, error) {
	return parseRuleEnum[AddressLocation](s, locationNames[:], "SenderAddressLocation", "want Header, Envelope or HeaderOrEnvelope")
}

func parseRuleEnum[E ~uint8](s string, names []string, what, msg string) (E, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	for i, n := range names {
		if n != "" && strings.EqualFold(s, n) {
			return E(i), nil
		}
	}
	return 0, &ruleValueError{what: what, input: s, msg: msg}
}

// ruleValueError is a bad value in a transport rule.
type ruleValueError struct{ what, input, msg string }

func (e *ruleValueError) Error() string { return "attribution: " + e.Message() }

// Message returns the text without the package prefix.
func (e *ruleValueError) Message() string {
	return fmt.Sprintf("bad %s %q: %s", e.what, e.input, e.msg)
}

// AddressPattern is one value of RecipientAddressMatchesPatterns: a
// regular expression matched against the whole address, ignoring case.
// Exchange documents a subset of .NET regular expressions for rules
// (\d, \w, \s, ., *, +, ?, |, (), [], ^, $, {n,m}); Go's RE2 reads that
// subset the same way and matches in time linear in the address, so no
// pattern is slow.
type AddressPattern struct {
	text string
	re   *regexp.Regexp
}

// maxPatternLen bounds a pattern's length; Exchange limits rule values to
// a few kilobytes in all, and a longer pattern is a mistake.
const maxPatternLen = 1024

// ParseAddressPattern compiles a RecipientAddressMatchesPatterns value.
func ParseAddressPattern(s string) (AddressPattern, error) {
	bad := func(msg string) (AddressPattern, error) {
		return AddressPattern{}, &ruleValueError{what: "address pattern", input: s, msg: msg}
	}
	switch {
	case s == "":
		return bad("empty pattern")
	case len(s) > maxPatternLen:
		return bad(fmt.Sprintf("longer than %d characters", maxPatternLen))
	}
	re, err := regexp.Compile("(?i)" + s)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return bad("not a regular expression: " + msg)
	}
	return AddressPattern{text: s, re: re}, nil
}

// String returns the pattern as given.
func (p AddressPattern) String() string { return p.text }

// Match reports whether the pattern matches somewhere in addr, ignoring
// case (an unanchored search, as .NET's Regex.IsMatch).
func (p AddressPattern) Match(addr string) bool { return p.re != nil && p.re.MatchString(addr) }

// MarshalText implements encoding.TextMarshaler.
func (p AddressPattern) MarshalText() ([]byte, error) { return []byte(p.text), nil }

// Predicates are the conditions of a rule, or (as the rule's Exceptions)
// its ExceptIf* twins, under the cmdlet names. Different predicates must
// all hold; the values of one predicate are alternatives.
type Predicates struct {
	// SentTo: the recipient is one of these (addresses, or names, aliases
	// and GUIDs, which mailflow cannot resolve).
	SentTo []string
	// SentToMemberOf: the recipient is a member of one of these groups.
	// Membership is directory data mailflow does not have: never
	// evaluated.
	SentToMemberOf []string
	// RecipientDomainIs: the recipient's domain is one of these or below
	// one ("contoso.com" matches "subdomain.contoso.com", PSDOC).
	RecipientDomainIs []domain.Name
	// RecipientAddressContainsWords: the recipient's address contains one
	// of these, ignoring case.
	RecipientAddressContainsWords []string
	// RecipientAddressMatchesPatterns: a pattern matches the recipient's
	// address.
	RecipientAddressMatchesPatterns []AddressPattern
	// SentToScope: where the recipient is.
	SentToScope Scope
	// From: the sender is one of these, looked for where
	// SenderAddressLocation says.
	From []string
	// FromMemberOf: the sender is a member of one of these groups; never
	// evaluated.
	FromMemberOf []string
	// FromScope: where the sender is.
	FromScope Scope
	// SenderDomainIs: the sender's domain is one of these or below one.
	SenderDomainIs []domain.Name
	// SenderIpRanges: the address of the last hop before the service is
	// in one of these ranges (PSDOC -SenderIpRanges).
	SenderIpRanges []connector.IPRange
	// HeaderContainsMessageHeader and HeaderContainsWords: the named
	// header contains one of the words. Headers are not in the envelope:
	// never evaluated.
	HeaderContainsMessageHeader string
	HeaderContainsWords         []string
	// Unmodelled names the predicates of an imported rule that mailflow
	// does not model (SubjectContainsWords …): the rule may depend on
	// them, so each is an unknown condition.
	Unmodelled []string
}

// IsZero reports whether no predicate is given.
func (p *Predicates) IsZero() bool {
	return len(p.SentTo) == 0 && len(p.SentToMemberOf) == 0 && len(p.RecipientDomainIs) == 0 &&
		len(p.RecipientAddressContainsWords) == 0 && len(p.RecipientAddressMatchesPatterns) == 0 &&
		p.SentToScope == ScopeUnset && len(p.From) == 0 && len(p.FromMemberOf) == 0 &&
		p.FromScope == ScopeUnset && len(p.SenderDomainIs) == 0 && len(p.SenderIpRanges) == 0 &&
		p.HeaderContainsMessageHeader == "" && len(p.HeaderContainsWords) == 0 && len(p.Unmodelled) == 0
}

func (p Predicates) clone() Predicates {
	p.SentTo = slices.Clone(p.SentTo)
	p.SentToMemberOf = slices.Clone(p.SentToMemberOf)
	p.RecipientDomainIs = slices.Clone(p.RecipientDomainIs)
	p.RecipientAddressContainsWords = slices.Clone(p.RecipientAddressContainsWords)
	p.RecipientAddressMatchesPatterns = slices.Clone(p.RecipientAddressMatchesPatterns)
	p.From = slices.Clone(p.From)
	p.FromMemberOf = slices.Clone(p.FromMemberOf)
	p.SenderDomainIs = slices.Clone(p.SenderDomainIs)
	p.SenderIpRanges = slices.Clone(p.SenderIpRanges)
	p.HeaderContainsWords = slices.Clone(p.HeaderContainsWords)
	p.Unmodelled = slices.Clone(p.Unmodelled)
	return p
}

// TransportRule is one mail flow rule, as Get-TransportRule shows it,
// with what matters for routing.
type TransportRule struct {
	// Name is unique in the tenant, ignoring case.
	Name string
	// Priority orders the rules: 0 is evaluated first. Priorities are
	// unique (PSDOC -Priority: "rules can't have the same priority value").
	Priority int
	// State and Mode: only Enabled rules in Enforce mode act.
	State RuleState
	Mode  RuleMode
	// RouteMessageOutboundConnector names the outbound connector the
	// rule routes matching messages through ("" when the rule does not
	// route). It should be IsTransportRuleScoped (facts §1.2: the service
	// refuses to switch off rule scoping while a rule references the
	// connector).
	RouteMessageOutboundConnector string
	// StopRuleProcessing: when the rule applies, later rules are not
	// evaluated.
	StopRuleProcessing bool
	// SenderAddressLocation says where From, FromMemberOf and
	// SenderDomainIs look for the sender.
	SenderAddressLocation AddressLocation
	// Conditions must all hold (none: the rule applies to every
	// message); if any of the Exceptions holds, the rule does not apply.
	Conditions, Exceptions Predicates
	// Stored marks a record exported from the service: the rules the
	// service enforces when a rule is written (the connector exists and is
	// rule-scoped) are then lint findings, not errors, since what the
	// service stored is the truth about the tenant.
	Stored bool
}

// Clone returns a copy of r that shares no slice with it.
func (r TransportRule) Clone() TransportRule {
	r.Conditions = r.Conditions.clone()
	r.Exceptions = r.Exceptions.clone()
	return r
}

// outboundByName returns the connector of the tenant named name, ignoring
// case, as RouteMessageOutboundConnector names it.
func outboundByName(conns []connector.Outbound, name string) (int, bool) {
	for i := range conns {
		if strings.EqualFold(conns[i].Name, name) {
			return i, true
		}
	}
	return -1, false
}

// transportRules checks the rules of tenant t (the one being built): names
// and priorities unique, header predicates complete, and, for rules
// written by hand, the connector each routes to exists and is
// IsTransportRuleScoped.
func (b *dirBuilder) transportRules(t *Tenant) {
	names := map[string]int{}
	prios := map[int]int{}
	for ri := range t.TransportRules {
		r := &t.TransportRules[ri]
		at := func(f string) string { return fmt.Sprintf("TransportRules[%d].%s", ri, f) }
		if strings.TrimSpace(r.Name) == "" {
			b.fail(at("Name"), "", "transport rule name is empty")
		} else if prev, dup := names[strings.ToLower(r.Name)]; dup {
			b.fail(at("Name"), "", fmt.Sprintf("duplicate transport rule name: TransportRules[%d] is %q (names are compared ignoring case)", prev, t.TransportRules[prev].Name))
		} else {
			names[strings.ToLower(r.Name)] = ri
		}
		if r.Priority < 0 {
			b.fail(at("Priority"), "", fmt.Sprintf("priority %d: want 0 or more (0 is evaluated first)", r.Priority))
		} else if prev, dup := prios[r.Priority]; dup {
			b.fail(at("Priority"), "", fmt.Sprintf("priority %d is already the priority of TransportRules[%d] (%q): rules can't have the same priority value", r.Priority, prev, t.TransportRules[prev].Name))
		} else {
			prios[r.Priority] = ri
		}
		for _, side := range []struct {
			prefix string
			p      *Predicates
		}{{"", &r.Conditions}, {"ExceptIf", &r.Exceptions}} {
			if (side.p.HeaderContainsMessageHeader == "") != (len(side.p.HeaderContainsWords) == 0) {
				b.fail(at(side.prefix+"HeaderContainsWords"), "", side.prefix+"HeaderContainsMessageHeader and "+side.prefix+"HeaderContainsWords go together: the words are looked for in the named header")
			}
		}
		if r.RouteMessageOutboundConnector == "" || r.Stored {
			continue
		}
		ci, ok := outboundByName(t.OutboundConnectors, r.RouteMessageOutboundConnector)
		switch {
		case !ok:
			b.fail(at("RouteMessageOutboundConnector"), "", fmt.Sprintf("rule %q routes to outbound connector %q, which the tenant does not have (%s)",
				r.Name, r.RouteMessageOutboundConnector, connectorNames(t.OutboundConnectors)))
		case !t.OutboundConnectors[ci].IsTransportRuleScoped:
			b.fail(at("RouteMessageOutboundConnector"), "", fmt.Sprintf("rule %q routes to outbound connector %q (OutboundConnectors[%d]), which is not IsTransportRuleScoped: set IsTransportRuleScoped: true on it (Exchange Online refuses to clear it while a rule names the connector)",
				r.Name, t.OutboundConnectors[ci].Name, ci))
		}
	}
}

// connectorNames lists a few connector names for a message.
func connectorNames(conns []connector.Outbound) string {
	if len(conns) == 0 {
		return "it has no outbound connectors"
	}
	var names []string
	for _, c := range conns {
		if c.IsTransportRuleScoped {
			names = append(names, fmt.Sprintf("%q", c.Name))
		}
	}
	if len(names) == 0 {
		return "it has no IsTransportRuleScoped connector"
	}
	if len(names) > maxListed {
		names = append(names[:maxListed], "…")
	}
	return "its rule-scoped connectors: " + strings.Join(names, ", ")
}

// maxListed bounds how many names a message lists.
const maxListed = 5

func cloneRules(rs []TransportRule) []TransportRule {
	if rs == nil {
		return nil
	}
	out := make([]TransportRule, len(rs))
	for i, r := range rs {
		out[i] = r.Clone()
	}
	return out
}
