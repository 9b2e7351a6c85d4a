package mailflowopa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	mailflowopa "github.com/mailflow-go/mailflow/opa"
)

func policyModule(t testing.TB) func(*rego.Rego) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "policy.rego"))
	require.NoError(t, err)
	return rego.Module("policy.rego", string(src))
}

// prepare compiles query, with the example policy and the functions.
func prepare(t testing.TB, src mailflowopa.Source, query string, opts ...func(*rego.Rego)) (rego.PreparedEvalQuery, error) {
	t.Helper()
	opts = append(append(opts, rego.Query(query), policyModule(t)), mailflowopa.Options(src)...)
	return rego.New(opts...).PrepareForEval(context.Background())
}

// eval runs query on input and returns the value of its first expression
// (nil when undefined) and the error.
func eval(t testing.TB, pq rego.PreparedEvalQuery, input any, opts ...rego.EvalOption) (any, error) {
	t.Helper()
	rs, err := pq.Eval(context.Background(), append(opts, rego.EvalInput(input))...)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return rs[0].Expressions[0].Value, nil
}

var certRelay = map[string]any{
	"ip": "203.0.113.5", "cert_names": []string{"mail.contoso.com"},
	"mail_from": "<>", "rcpt": []string{"sun@internet.example", "bob@contoso.com"},
}

func TestPolicies(t *testing.T) {
	src := mailflowopa.Fixed(config.Default().Directory())
	tests := []struct {
		query string
		input any
		want  any
	}{
		{`mailflow.route("contoso", "john@contoso.com").connector`, nil, "Connector 2"},
		{`mailflow.route("contoso", "john@sales.contoso.com").rule`, nil, "wildcard"},
		{`mailflow.route("CONTOSO", "fabrikam.com").tenant`, nil, "contoso"},
		{`mailflow.route("", "john@fabrikam.com").connector`, nil, "Connector 1"},
		{`mailflow.route("contoso", "sun@internet.example").connector`, nil, nil},
		{`mailflow.route("contoso", "john@contoso.com").smart_hosts`, nil, []any{"mail.contoso.com"}},
		{`data.mailflow.policy.allow`, map[string]any{"tenant": "contoso", "rcpt": "john@contoso.com"}, true},
		{`data.mailflow.policy.allow`, map[string]any{"tenant": "contoso", "rcpt": "john@sales.contoso.com"}, false},
		{`data.mailflow.policy.attributed`, map[string]any{"tenant": "contoso", "session": certRelay}, true},
		{`data.mailflow.policy.rejected`, map[string]any{"session": map[string]any{"ip": "198.51.100.7", "mail_from": "printer@contoso.com", "rcpt": []string{"sun@internet.example", "bob@contoso.com"}}},
			map[string]any{"sun@internet.example": "550 5.7.64 TenantAttribution; Relay Access Denied"}},
		{`[rc.disposition | some rc in mailflow.attribute(input).recipients]`, certRelay, []any{"relay", "deliver"}},
		{`mailflow.attribute(input).basis`, certRelay, "certificate"},
		{`mailflow.attribute({"ip": "198.51.100.7", "port": 587, "tls": "1.2", "auth": "printer@contoso.com", "mail_from": "ceo@contoso.com", "rcpt": ["sun@internet.example"]}).path`, nil, "client-submission"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			pq, err := prepare(t, src, tt.query)
			require.NoError(t, err)
			got, err := eval(t, pq, tt.input)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestErrors: a bad argument is OPA's built-in error at the call's
// location: with strict built-in errors the evaluation fails with it;
// without, the call is undefined and the error is listed. Wrong static types
// are the type checker's.
func TestErrors(t *testing.T) {
	src := mailflowopa.Fixed(config.Default().Directory())
	session := func(kv ...any) map[string]any {
		s := map[string]any{"ip": "192.0.2.1", "mail_from": "a@b.example", "rcpt": []string{"c@d.example"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(s, kv[i].(string))
			} else {
				s[kv[i].(string)] = kv[i+1]
			}
		}
		return s
	}
	const route, attribute = `mailflow.route(input.tenant, input.rcpt)`, `mailflow.attribute(input)`
	tests := []struct {
		query string
		input any
		want  string
	}{
		{route, map[string]any{"tenant": "contoso", "rcpt": "not@@an.address"}, `mailflow.route: recipient "not@@an.address": domain: bad address`},
		{route, map[string]any{"tenant": "contoso", "rcpt": "user@[192.0.2.1]"}, "address literal"},
		{route, map[string]any{"tenant": "nosuch", "rcpt": "a@contoso.com"}, `mailflow.route: tenant "nosuch": no such tenant`},
		{route, map[string]any{"tenant": 1, "rcpt": "a@contoso.com"}, "mailflow.route: operand 1 (tenant) must be a string, not number"},
		{route, map[string]any{"tenant": "contoso", "rcpt": []string{"a@contoso.com"}}, "operand 2 (rcpt) must be a string, not array"},
		{attribute, "session", "mailflow.attribute: operand 1 (session) must be an object, not string"},
		{attribute, session("ip", nil), "mailflow.attribute: session.ip is required"},
		{attribute, session("mail_from", nil), "session.mail_from is required"},
		{attribute, session("rcpt", nil), "session.rcpt needs at least one recipient"},
		{attribute, session("rcpt", []string{}), "session.rcpt needs at least one recipient"},
		{attribute, session("ip", "999.1.1.1"), `session.ip "999.1.1.1" is not an IP address`},
		{attribute, session("port", "25"), "session.port is a string, not an integer"},
		{attribute, session("port", 25.5), "session.port is a number, not an integer"},
		{attribute, session("port", 99999), "session.port 99999 is not a TCP port"},
		{attribute, session("tls", "2.0"), "session.tls"},
		{attribute, session("cert_names", "mail.contoso.com"), "session.cert_names is a string, not an array of strings"},
		{attribute, session("cert_names", []any{1}), "session.cert_names[0] is a number, not a string"},
		{attribute, session("cert_names", []string{"f*.contoso.com"}), "session.cert_names"},
		{attribute, session("cert_names", []string{"mail.contoso.com"}, "tls", "none"), "needs TLS"},
		{attribute, session("auth", "not an address"), "session.auth"},
		{attribute, session("mail_from", "not@@an.address"), "session.mail_from"},
		{attribute, session("rcpt_to", []string{"c@d.example"}), "session.rcpt_to: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			strict, err := prepare(t, src, tt.query, rego.StrictBuiltinErrors(true))
			require.NoError(t, err)
			_, err = eval(t, strict, tt.input)
			require.ErrorContains(t, err, tt.want)
			var tdErr *topdown.Error
			require.True(t, errors.As(err, &tdErr), "%T", err)
			assert.Equal(t, topdown.BuiltinErr, tdErr.Code)
			require.NotNil(t, tdErr.Location)
			assert.Equal(t, 1, tdErr.Location.Row)

			lax, err := prepare(t, src, tt.query)
			require.NoError(t, err)
			var list []topdown.Error
			got, err := eval(t, lax, tt.input, rego.EvalBuiltinErrorList(&list))
			require.NoError(t, err)
			assert.Nil(t, got, "undefined")
			require.Len(t, list, 1)
			assert.Contains(t, list[0].Message, tt.want)
		})
	}

	for _, query := range []string{`mailflow.route(1, "a@b.example")`, `mailflow.route("t")`, `mailflow.attribute("s")`} {
		_, err := prepare(t, src, query)
		require.ErrorContains(t, err, "rego_type_error", query)
	}

	// In the policy a bad recipient makes allow take its default.
	pq, err := prepare(t, src, `data.mailflow.policy.allow`)
	require.NoError(t, err)
	got, err := eval(t, pq, map[string]any{"tenant": "contoso", "rcpt": "x@@contoso.com"})
	require.NoError(t, err)
	assert.Equal(t, false, got)
}

func TestNilDirectory(t *testing.T) {
	pq, err := prepare(t, mailflowopa.Fixed(nil), `mailflow.route("contoso", "a@contoso.com")`, rego.StrictBuiltinErrors(true))
	require.NoError(t, err)
	_, err = eval(t, pq, nil)
	require.ErrorContains(t, err, "no directory")
}

// TestReload: one prepared query, two directories swapped in a Holder
// between evaluations; the second evaluation sees the new decision.
func TestReload(t *testing.T) {
	holder := attribution.NewHolder(config.Default().Directory())
	route, err := prepare(t, holder.Load, `mailflow.route("contoso", "john@contoso.com").connector`)
	require.NoError(t, err)
	attribute, err := prepare(t, holder.Load, `mailflow.attribute(input).recipients[0].disposition`)
	require.NoError(t, err)
	session := map[string]any{"ip": "192.0.2.1", "mail_from": "a@b.example", "rcpt": []string{"c@partner.example"}}

	got, err := eval(t, route, nil)
	require.NoError(t, err)
	assert.Equal(t, "Connector 2", got)
	got, err = eval(t, attribute, session)
	require.NoError(t, err)
	assert.Equal(t, "reject", got)

	reloaded, err := config.Parse([]byte(`
Tenants:
  - Id: contoso
    AcceptedDomains: [{ DomainName: contoso.com }, { DomainName: partner.example }]
    OutboundConnectors:
      - { Name: Partner, RecipientDomains: [contoso.com], SmartHosts: [mx.partner.example] }
`), "reload.yaml")
	require.NoError(t, err)
	holder.Store(reloaded.Directory())

	got, err = eval(t, route, nil)
	require.NoError(t, err)
	assert.Equal(t, "Partner", got)
	got, err = eval(t, attribute, session)
	require.NoError(t, err)
	assert.Equal(t, "deliver", got)
}

// TestMatchesCLI: the objects are the JSON objects `mailflow route --json`
// and `mailflow attribute --json` print, for the same inputs.
func TestMatchesCLI(t *testing.T) {
	cli := filepath.Join(t.TempDir(), "mailflow")
	out, err := exec.Command("go", "-C", "..", "build", "-o", cli, "./cmd/mailflow").CombinedOutput() // in the core module, with its go.sum
	require.NoError(t, err, "building the CLI: %s", out)
	twoTenants := filepath.Join("..", "cmd", "mailflow", "testdata", "two-tenants.yaml")
	twoCfg, err := config.Load(twoTenants)
	require.NoError(t, err)
	rules := filepath.Join("..", "cmd", "mailflow", "testdata", "rules.yaml") // transport rules
	rulesCfg, err := config.Load(rules)
	require.NoError(t, err)
	def := config.Default().Directory()

	tests := []struct {
		name  string
		dir   *attribution.Directory
		query string
		input any
		args  []string // after the command and --json
	}{
		{"route exact", def, `mailflow.route("contoso", "john@contoso.com")`, nil, []string{"route", "john@contoso.com"}},
		{"route wildcard", def, `mailflow.route("contoso", "john@sales.contoso.com")`, nil, []string{"route", "--tenant", "contoso", "john@sales.contoso.com"}},
		{"route none", def, `mailflow.route("contoso", "sun@internet.example")`, nil, []string{"route", "sun@internet.example"}},
		{"route bare domain", def, `mailflow.route("contoso", "fabrikam.com")`, nil, []string{"route", "fabrikam.com"}},
		{"route owner", twoCfg.Directory(), `mailflow.route("", "a@fabrikam.com")`, nil, []string{"route", "--config", twoTenants, "a@fabrikam.com"}},
		{"route other tenant", twoCfg.Directory(), `mailflow.route("fabrikam", "a@bank.example")`, nil, []string{"route", "--config", twoTenants, "--tenant", "fabrikam", "a@bank.example"}},
		{"route by transport rule", rulesCfg.Directory(), `mailflow.route("contoso", "bob@fabrikam.com")`, nil, []string{"route", "--config", rules, "bob@fabrikam.com"}},
		{"route rule unknown", rulesCfg.Directory(), `mailflow.route("contoso", "ann@contoso.com")`, nil, []string{"route", "--config", rules, "ann@contoso.com"}},
		{"attribute cert relay", def, `mailflow.attribute(input)`, certRelay,
			[]string{"attribute", "--ip", "203.0.113.5", "--cert-name", "mail.contoso.com", "--mail-from", "<>", "--rcpt", "sun@internet.example", "--rcpt", "bob@contoso.com"}},
		{"attribute direct send", def, `mailflow.attribute({"ip": "198.51.100.7", "mail_from": "printer@contoso.com", "rcpt": ["sun@internet.example"]})`, nil,
			[]string{"attribute", "--ip", "198.51.100.7", "--mail-from", "printer@contoso.com", "--rcpt", "sun@internet.example"}},
		{"attribute submission", def, `mailflow.attribute({"ip": "198.51.100.7", "port": 587, "tls": "1.2", "auth": "printer@contoso.com", "mail_from": "ceo@contoso.com", "rcpt": ["sun@internet.example", "x@contoso.com"]})`, nil,
			[]string{"attribute", "--ip", "198.51.100.7", "--port", "587", "--tls", "1.2", "--auth", "printer@contoso.com", "--mail-from", "ceo@contoso.com", "--rcpt", "sun@internet.example", "--rcpt", "x@contoso.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pq, err := prepare(t, mailflowopa.Fixed(tt.dir), tt.query, rego.StrictBuiltinErrors(true))
			require.NoError(t, err)
			got, err := eval(t, pq, tt.input)
			require.NoError(t, err)

			var stdout, stderr bytes.Buffer
			cmd := exec.Command(cli, append([]string{tt.args[0], "--json"}, tt.args[1:]...)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), stderr.String())
			gotJSON, err := json.Marshal(got) // OPA's numbers are json.Number
			require.NoError(t, err)
			assert.JSONEq(t, stdout.String(), string(gotJSON))
		})
	}
}
