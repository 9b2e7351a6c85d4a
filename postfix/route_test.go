package postfix

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// routeTenants: contoso relays from 192.0.2.10 to partner.test via
// 127.0.0.1, fabrikam from 192.0.2.20 via 127.0.0.2 (issue 16).
const routeTenants = twoTenants + `
    InboundConnectors:
      - { Name: From fabrikam, ConnectorType: OnPremises, SenderIPAddresses: [192.0.2.20] }
`

// The Router splits a message whose recipients need different next hops.
func TestRouterSplit(t *testing.T) {
	s, _ := newPolicyServer(t, routeTenants+`
  - Id: tailspin
    AcceptedDomains:
      - { DomainName: tailspin.test }
    OutboundConnectors:
      - { Name: Tailspin partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [127.0.0.2] }
    InboundConnectors:
      - { Name: From tailspin, ConnectorType: OnPremises, SenderIPAddresses: [192.0.2.30] }
`)
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)
	s.Router = &Router{Port: 2626, now: func() time.Time { return now }}
	addr := start(t, s)
	c := dial(t, addr)
	ask := func(attrs ...string) string {
		t.Helper()
		c.send(request(append([]string{"policy_context", "mailflow-route"}, attrs...)...))
		return c.policyAnswer()
	}
	contoso := []string{"client_address", "192.0.2.10", "sender", "alice@contoso.com"}
	tailspin := []string{"client_address", "192.0.2.30", "sender", "tom@tailspin.test"}
	rcpt := func(from []string, instance, to string) []string {
		return append(append([]string{}, from...), "instance", instance, "recipient", to)
	}
	tests := []struct {
		name  string
		attrs []string
		want  string
	}{
		// The first relayed recipient fixes the message's route.
		{"contoso first", rcpt(contoso, "m1", "carol@partner.test"), "FILTER smtp:[127.0.0.1]:2626, [2001:db8::25]:2626"},
		// Same connector: same hop, accepted.
		{"contoso same hop", rcpt(contoso, "m1", "dave@partner.test"), "FILTER smtp:[127.0.0.1]:2626, [2001:db8::25]:2626"},
		// Delivery to an accepted domain takes transport_maps: another route.
		{"contoso other hop", rcpt(contoso, "m1", "bob@contoso.com"), "452 4.5.3 Too many recipients for one route: this one takes default routing, the message connector To partner; send it in a new transaction"},
		// Another tenant's message, concurrently: its own connector.
		{"tailspin first", rcpt(tailspin, "m2", "erin@partner.test"), "FILTER smtp:[127.0.0.2]:2626"},
		// A message starting with default routing refuses a FILTER recipient.
		{"default first", rcpt(contoso, "m3", "bob@contoso.com"), "DUNNO"},
		{"default then relay", rcpt(contoso, "m3", "carol@partner.test"), "452 4.5.3 Too many recipients for one route: this one takes connector To partner, the message default routing; send it in a new transaction"},
		// A rejected recipient keeps its rejection and fixes nothing.
		{"rejected", rcpt([]string{"client_address", "192.0.2.10", "sender", ""}, "m4", "sun@partner.test"), "550 5.7.64 Relay Access Denied ATTR36"},
		{"after a rejection", rcpt(tailspin, "m4", "erin@partner.test"), "FILTER smtp:[127.0.0.2]:2626"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ask(tt.attrs...))
		})
	}
	assert.Equal(t, 4, s.Router.Messages()) // m1 to m4

	// END-OF-MESSAGE forgets m1: the same instance may take another route.
	assert.Equal(t, "DUNNO", ask("protocol_state", "END-OF-MESSAGE", "instance", "m1"))
	assert.Equal(t, 3, s.Router.Messages())
	assert.Equal(t, "DUNNO", ask(rcpt(contoso, "m1", "bob@contoso.com")...))

	// Past MessageTTL since its last recipient, m2's route is gone.
	now = now.Add(DefaultMessageTTL + time.Second)
	assert.Equal(t, "DUNNO", ask(rcpt(contoso, "m2", "bob@contoso.com")...))
}

// Beyond MaxMessages a new message is a temporary failure, until an
// expired route makes room.
func TestRouterMaxMessages(t *testing.T) {
	s, _ := newPolicyServer(t, testConfig)
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)
	s.Router = &Router{MaxMessages: 1, now: func() time.Time { return now }}
	c := dial(t, start(t, s))
	ask := func(instance string) string {
		t.Helper()
		c.send(request("policy_context", "mailflow-route", "client_address", "192.0.2.10", "sender", "alice@contoso.com", "instance", instance, "recipient", "carol@partner.test"))
		return c.policyAnswer()
	}
	assert.Equal(t, "FILTER smtp:[127.0.0.1]:25, [2001:db8::25]:25", ask("m1"))
	assert.Equal(t, ActionOverload, ask("m2"))
	// A known message still gets its answer.
	assert.Equal(t, "FILTER smtp:[127.0.0.1]:25, [2001:db8::25]:25", ask("m1"))
	now = now.Add(DefaultMessageTTL + time.Second)
	assert.Equal(t, "FILTER smtp:[127.0.0.1]:25, [2001:db8::25]:25", ask("m2"))
	assert.Equal(t, 1, s.Router.Messages())
}
