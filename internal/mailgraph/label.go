package mailgraph

import (
	"fmt"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
)

// maxValues is how many values of one list a label shows.
const maxValues = 3

// some joins up to maxValues of ss, saying how many more there are.
func some(ss []string) string {
	if len(ss) > maxValues {
		return strings.Join(ss[:maxValues], ", ") + fmt.Sprintf(" +%d more", len(ss)-maxValues)
	}
	return strings.Join(ss, ", ")
}

// ruleText is a routing rule's edge label: "rule: Sites when
// RecipientDomainIs contoso.com and FromScope InOrganization except
// SentTo ceo@contoso.com"; "(every message)" when it has no condition.
func ruleText(r attribution.TransportRule) string {
	s := "rule: " + r.Name
	if c := predicates(r.Conditions, ""); c != "" {
		s += " when " + c
	} else {
		s += " (every message)"
	}
	if e := predicates(r.Exceptions, "ExceptIf"); e != "" {
		s += " except " + e
	}
	return s
}

// predicates says p under the cmdlet's parameter names, joined by "and";
// "" when p is empty.
func predicates(p attribution.Predicates, prefix string) string {
	var parts []string
	list := func(name string, vs []string) {
		if len(vs) > 0 {
			parts = append(parts, prefix+name+" "+some(vs))
		}
	}
	list("SentTo", p.SentTo)
	list("SentToMemberOf", p.SentToMemberOf)
	list("RecipientDomainIs", strs(p.RecipientDomainIs))
	list("RecipientAddressContainsWords", p.RecipientAddressContainsWords)
	list("RecipientAddressMatchesPatterns", strs(p.RecipientAddressMatchesPatterns))
	if p.SentToScope != attribution.ScopeUnset {
		parts = append(parts, prefix+"SentToScope "+p.SentToScope.String())
	}
	list("From", p.From)
	list("FromMemberOf", p.FromMemberOf)
	if p.FromScope != attribution.ScopeUnset {
		parts = append(parts, prefix+"FromScope "+p.FromScope.String())
	}
	list("SenderDomainIs", strs(p.SenderDomainIs))
	list("SenderIpRanges", strs(p.SenderIpRanges))
	if p.HeaderContainsMessageHeader != "" {
		parts = append(parts, prefix+"HeaderContainsMessageHeader "+p.HeaderContainsMessageHeader+" "+some(p.HeaderContainsWords))
	}
	for _, u := range p.Unmodelled {
		parts = append(parts, prefix+u)
	}
	return strings.Join(parts, " and ")
}

// strs is the String of each value.
func strs[T fmt.Stringer](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}
