package attribution

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEnumStringsNeverPanic: a value out of range prints its type and
// number.
func TestEnumStringsNeverPanic(t *testing.T) {
	assert.Equal(t, "Path(200)", Path(200).String())
	assert.Equal(t, "Basis(200)", Basis(200).String())
	assert.Equal(t, "Disposition(200)", Disposition(200).String())
	assert.Equal(t, "Reason(200)", Reason(200).String())
	assert.Equal(t, "Severity(200)", Severity(200).String())
	assert.Equal(t, "on-premises-connector", OnPremisesConnector.String())
}

// TestPostmaster: RCPT TO:<postmaster> (any case, no domain) is the
// receiving tenant's postmaster: delivered, never 501 5.1.3.
func TestPostmaster(t *testing.T) {
	d := mustDirectory(t, contoso())
	for _, tc := range []struct {
		name   string
		s      session
		tenant string
	}{
		{"anonymous: the service's postmaster", session{ip: "198.51.100.7", mailFrom: "a@internet.example", rcpt: []string{"<Postmaster>"}}, ""},
		{"over the tenant's connector: its postmaster", session{ip: "203.0.113.5", cert: []string{"mail.contoso.com"}, mailFrom: "<>", rcpt: []string{"postmaster"}}, "contoso"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.Explain(tc.s.build(t))
			require.Len(t, r.Recipients, 1)
			rr := r.Recipients[0]
			assert.Equal(t, Deliver, rr.Disposition)
			assert.Equal(t, ReplyOK, rr.Reply)
			assert.Equal(t, ReasonPostmaster, rr.Reason)
			assert.Equal(t, tc.tenant, rr.Tenant)
		})
	}
	// A local part other than postmaster still needs a domain.
	r := d.Attribute(session{ip: "198.51.100.7", mailFrom: "a@internet.example", rcpt: []string{"webmaster"}}.build(t))
	assert.Equal(t, ReplyBadAddress, r.Recipients[0].Reply)
}

// TestSubmissionLogins: a SASL user name without a domain maps to a
// mailbox of the tenant that lists it; the rules of a login.
func TestSubmissionLogins(t *testing.T) {
	c := contoso()
	c.SubmissionLogins = []SubmissionLogin{{Login: "Scanner01", Mailbox: "scanner@contoso.com"}}
	d := mustDirectory(t, c)
	r := d.Explain(session{port: 587, tls: 0x0304, auth: "scanner01", mailFrom: "scanner@contoso.com", rcpt: []string{"sun@internet.example"}}.build(t))
	assert.Equal(t, "contoso", r.Tenant)
	assert.Equal(t, BasisAuthenticated, r.Basis)
	assert.Equal(t, Relay, r.Recipients[0].Disposition)
	assert.Contains(t, r.Steps[0], `login "scanner01" is mailbox scanner@contoso.com`)

	f := fourthCoffee()
	f.SubmissionLogins = []SubmissionLogin{
		{Login: "SCANNER01", Mailbox: "scan@fourthcoffee.com"}, // contoso's already
		{Login: "a@b", Mailbox: "x@fourthcoffee.com"},          // an address
		{Login: "printer", Mailbox: "printer@contoso.com"},     // another tenant's mailbox
		{Login: "copier", Mailbox: "not an address"},           // no mailbox
	}
	_, err := NewDirectory([]Tenant{c, f})
	require.Error(t, err)
	for _, want := range []string{
		`tenant "fourthcoffee" SubmissionLogins[0].Login: login "SCANNER01" is already a submission login of tenant "contoso"`,
		`tenant "fourthcoffee" SubmissionLogins[1].Login: login "a@b": want a user name without @ or spaces`,
		`tenant "fourthcoffee" SubmissionLogins[2].Mailbox: contoso.com is not an accepted domain of the tenant`,
		`tenant "fourthcoffee" SubmissionLogins[3].Mailbox: bad address "not an address"`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

// TestTenantIDsIgnoreCase: IDs compare ignoring case, as the service's
// tenant names do.
func TestTenantIDsIgnoreCase(t *testing.T) {
	d := mustDirectory(t, contoso())
	id, ok := d.TenantID("CONTOSO")
	assert.True(t, ok)
	assert.Equal(t, "contoso", id)
	_, ok = d.OutboundTable("Contoso")
	assert.True(t, ok)
	other := contoso()
	other.ID = "Contoso"
	other.AcceptedDomains = accepted("other.example")
	other.InboundConnectors, other.OutboundConnectors = nil, nil
	_, err := NewDirectory([]Tenant{contoso(), other})
	assert.ErrorContains(t, err, `tenant "Contoso" Id: duplicate tenant ID: Tenants[0] is "contoso" (IDs are compared ignoring case)`)
}
