package config

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// This file reads TransportRules (Get-TransportRule field names).

func str(s string) (string, error) { return s, nil }

// predicateFields returns the fields of one side of a rule: the
// conditions (prefix "") or the exceptions ("ExceptIf").
func predicateFields(prefix string, side func(*attribution.TransportRule) *attribution.Predicates) []field[attribution.TransportRule] {
	type R = attribution.TransportRule
	f := func(name string, list bool, set func(d *fileDec, n *node, w where, p *attribution.Predicates)) field[R] {
		return field[R]{name: prefix + name, list: list, set: func(d *fileDec, n *node, w where, v *R) { set(d, n, w, side(v)) }}
	}
	return []field[R]{
		f("SentTo", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) { p.SentTo = values(d, n, w, str) }),
		f("SentToMemberOf", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) { p.SentToMemberOf = values(d, n, w, str) }),
		f("RecipientDomainIs", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.RecipientDomainIs = values(d, n, w, domain.Parse)
		}),
		f("RecipientAddressContainsWords", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.RecipientAddressContainsWords = values(d, n, w, str)
		}),
		f("RecipientAddressMatchesPatterns", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.RecipientAddressMatchesPatterns = values(d, n, w, attribution.ParseAddressPattern)
		}),
		f("SentToScope", false, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.SentToScope, _ = enum(d, n, w, attribution.ParseScope)
		}),
		f("From", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) { p.From = values(d, n, w, str) }),
		f("FromMemberOf", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) { p.FromMemberOf = values(d, n, w, str) }),
		f("FromScope", false, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.FromScope, _ = enum(d, n, w, attribution.ParseScope)
		}),
		f("SenderDomainIs", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.SenderDomainIs = values(d, n, w, domain.Parse)
		}),
		f("SenderIpRanges", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.SenderIpRanges = values(d, n, w, connector.ParseIPRange)
		}),
		f("HeaderContainsMessageHeader", false, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.HeaderContainsMessageHeader, _ = d.str(n, w)
		}),
		f("HeaderContainsWords", true, func(d *fileDec, n *node, w where, p *attribution.Predicates) {
			p.HeaderContainsWords = values(d, n, w, str)
		}),
	}
}

var transportRuleFields = append(append([]field[attribution.TransportRule]{
	{name: "Name", set: func(d *fileDec, n *node, w where, v *attribution.TransportRule) { v.Name, _ = d.str(n, w) }},
	{name: "Priority", set: func(d *fileDec, n *node, w where, v *attribution.TransportRule) {
		if s, ok := d.str(n, w); ok {
			p, err := strconv.Atoi(s)
			if err != nil {
				d.fail(w, n, "want a whole number, got "+strconv.Quote(s))
			}
			v.Priority = p
		}
	}},
	{name: "State", set: func(d *fileDec, n *node, w where, v *attribution.TransportRule) {
		v.State, _ = enum(d, n, w, attribution.ParseRuleState)
	}},
	{name: "Mode", set: func(d *fileDec, n *node, w where, v *attribution.TransportRule) {
		v.Mode, _ = enum(d, n, w, attribution.ParseRuleMode)
	}},
	{name: "RouteMessageOutboundConnector", set: func(d *fileDec, n *node, w where, v *attribution.TransportRule) {
		v.RouteMessageOutboundConnector, _ = d.str(n, w)
	}},
	{name: "StopRuleProcessing", set: func(d *fileDec, n *node, w where, v *attribution.TransportRule) {
		v.StopRuleProcessing, _ = d.boolean(n, w)
	}},
	{name: "SenderAddressLocation", set: func(d *fileDec, n *node, w where, v *attribution.TransportRule) {
		v.SenderAddressLocation, _ = enum(d, n, w, attribution.ParseAddressLocation)
	}},
}, predicateFields("", func(r *attribution.TransportRule) *attribution.Predicates { return &r.Conditions })...),
	predicateFields("ExceptIf", func(r *attribution.TransportRule) *attribution.Predicates { return &r.Exceptions })...)

func (d *fileDec) transportRule(n *node, w where) (attribution.TransportRule, bool) {
	var r attribution.TransportRule
	present := record(d, n, w, &r, transportRuleFields, kindRule)
	r.Stored = d.export
	if d.export && present != nil {
		r.Conditions.Unmodelled = unmodelled(member(n, "Conditions"))
		r.Exceptions.Unmodelled = unmodelled(member(n, "Exceptions"))
	}
	return r, present != nil
}

// unmodelled reads the Conditions or Exceptions of an exported rule, the
// .NET class names of its predicates
// ("Microsoft.Exchange.MessagingPolicies.Rules.Tasks.FromScopePredicate",
// live in rknightion/graph2otel), and returns those mailflow does not model:
// the export skips their values, so each stays an unknown condition rather
// than being dropped.
func unmodelled(n *node) []string {
	if n == nil || n.kind != seqNode {
		return nil
	}
	var out []string
	for _, it := range n.items {
		if it.kind != scalarNode {
			continue
		}
		name := it.text[strings.LastIndexByte(it.text, '.')+1:]
		name = strings.TrimSuffix(name, "Predicate")
		if lookupField(transportRuleFields, name) == nil && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
