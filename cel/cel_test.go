package mailflowcel_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/mailflow-go/mailflow/attribution"
	mailflowcel "github.com/mailflow-go/mailflow/cel"
	"github.com/mailflow-go/mailflow/config"
)

// newEnv declares t, r (strings) and s (a session map) beside the library.
func newEnv(t testing.TB, src mailflowcel.Source) *cel.Env {
	t.Helper()
	env, err := cel.NewEnv(
		mailflowcel.Library(src),
		cel.Variable("t", cel.StringType),
		cel.Variable("r", cel.StringType),
		cel.Variable("s", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("x", cel.DynType),
	)
	require.NoError(t, err)
	return env
}

func compile(t testing.TB, env *cel.Env, expr string) cel.Program {
	t.Helper()
	ast, iss := env.Compile(expr)
	require.NoError(t, iss.Err(), expr)
	prg, err := env.Program(ast)
	require.NoError(t, err, expr)
	return prg
}

// eval runs expr and returns its value and error (the CEL error value, as
// Program.Eval reports it).
func eval(t testing.TB, env *cel.Env, expr string, vars map[string]any) (ref.Val, error) {
	t.Helper()
	out, _, err := compile(t, env, expr).Eval(vars)
	return out, err
}

var certRelay = map[string]any{
	"ip": "203.0.113.5", "cert_names": []string{"mail.contoso.com"},
	"mail_from": "<>", "rcpt": []string{"sun@internet.example", "bob@contoso.com"},
}

func TestPolicies(t *testing.T) {
	env := newEnv(t, mailflowcel.Fixed(config.Default().Directory()))
	tests := []struct {
		expr string
		vars map[string]any
		want any
	}{
		{`mailflow.route("contoso", "john@contoso.com").connector`, nil, "Connector 2"},
		{`mailflow.route("contoso", "john@sales.contoso.com").connector`, nil, "Connector 3"},
		{`mailflow.route("contoso", "john@sales.contoso.com").rule`, nil, "wildcard"},
		{`mailflow.route("CONTOSO", "fabrikam.com").tenant`, nil, "contoso"},      // IDs ignore case; a bare domain
		{`mailflow.route("", "john@fabrikam.com").connector`, nil, "Connector 1"}, // the only tenant
		{`mailflow.route("contoso", "sun@internet.example").connector == null`, nil, true},
		{`mailflow.route("contoso", "sun@internet.example").rule`, nil, "none"},
		{`mailflow.route("contoso", "john@contoso.com").smart_hosts`, nil, []any{"mail.contoso.com"}},
		{`mailflow.route(t, r).connector == "Connector 2" && r.endsWith("@contoso.com")`,
			map[string]any{"t": "contoso", "r": "john@contoso.com"}, true},
		{`mailflow.route(t, r).connector == "Partner" && r.endsWith("@contoso.com")`,
			map[string]any{"t": "contoso", "r": "john@contoso.com"}, false},
		{`mailflow.attribute(s).tenant`, map[string]any{"s": certRelay}, "contoso"},
		{`mailflow.attribute(s).basis`, map[string]any{"s": certRelay}, "certificate"},
		{`mailflow.attribute(s).recipients.map(x, x.disposition)`, map[string]any{"s": certRelay}, []any{"relay", "deliver"}},
		{`mailflow.attribute(s).recipients.all(x, x.reply.startsWith("250"))`, map[string]any{"s": certRelay}, true},
		{`mailflow.attribute(s).recipients[1].route`, map[string]any{"s": certRelay}, "Connector 2"},
		{`mailflow.attribute({"ip": "198.51.100.7", "mail_from": "printer@contoso.com", "rcpt": ["sun@internet.example"]}).recipients[0].reply`,
			nil, "550 5.7.64 TenantAttribution; Relay Access Denied"},
		{`mailflow.attribute({"ip": "198.51.100.7", "port": 587, "tls": "1.2", "auth": "printer@contoso.com", "mail_from": "ceo@contoso.com", "rcpt": ["sun@internet.example"]}).path`,
			nil, "client-submission"},
		{`mailflow.attribute({"ip": "198.51.100.7", "mail_from": "a@b.example", "rcpt": ["c@d.example"]}).tenant == null`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			out, err := eval(t, env, tt.expr, tt.vars)
			require.NoError(t, err)
			got, err := out.ConvertToNative(reflect.TypeFor[*structpb.Value]())
			require.NoError(t, err)
			want, err := structpb.NewValue(tt.want)
			require.NoError(t, err)
			assert.Equal(t, want.AsInterface(), got.(*structpb.Value).AsInterface())
		})
	}
}

// TestErrors: a bad argument gives a CEL error value naming it, from
// Program.Eval, and never a panic; a wrong static type fails the check.
func TestErrors(t *testing.T) {
	env := newEnv(t, mailflowcel.Fixed(config.Default().Directory()))
	session := `{"ip": "192.0.2.1", "mail_from": "a@b.example", "rcpt": ["c@d.example"]}`
	with := func(key, value string) string { // session with key set to value
		return `mailflow.attribute(` + strings.Replace(session, `{`, `{"`+key+`": `+value+`, `, 1) + `)`
	}
	tests := []struct{ expr, want string }{
		{`mailflow.route("contoso", "not@@an.address")`, `mailflow.route: recipient "not@@an.address": domain: bad address`},
		{`mailflow.route("contoso", "user@[192.0.2.1]")`, "address literal"},
		{`mailflow.route("nosuch", "john@contoso.com")`, `mailflow.route: tenant "nosuch": no such tenant`},
		{`mailflow.route(x, "john@contoso.com")`, "no such overload"}, // x = 1 at run time
		{`mailflow.attribute(x)`, "no such overload"},
		{`mailflow.attribute({"mail_from": "a@b.example", "rcpt": ["c@d.example"]})`, "session.ip is required"},
		{`mailflow.attribute({"ip": "192.0.2.1", "rcpt": ["c@d.example"]})`, "session.mail_from is required"},
		{`mailflow.attribute({"ip": "192.0.2.1", "mail_from": "a@b.example"})`, "session.rcpt needs at least one recipient"},
		{`mailflow.attribute({"ip": "192.0.2.1", "mail_from": "a@b.example", "rcpt": []})`, "session.rcpt needs at least one recipient"},
		{`mailflow.attribute({"ip": "999.1.1.1", "mail_from": "a@b.example", "rcpt": ["c@d.example"]})`, `session.ip "999.1.1.1" is not an IP address`},
		{with("port", `"25"`), "session.port is a string, not an int"},
		{with("port", `99999`), "session.port 99999 is not a TCP port"},
		{with("tls", `"2.0"`), "session.tls"},
		{with("cert_names", `"mail.contoso.com"`), "session.cert_names is a string, not a list of strings"},
		{with("cert_names", `[1]`), "session.cert_names[0] is a int, not a string"},
		{with("cert_names", `["f*.contoso.com"]`), "session.cert_names"},
		{`mailflow.attribute({"ip": "192.0.2.1", "cert_names": ["mail.contoso.com"], "tls": "none", "mail_from": "a@b.example", "rcpt": ["c@d.example"]})`, "needs TLS"},
		{with("auth", `"not an address"`), "session.auth"},
		{`mailflow.attribute({"ip": "192.0.2.1", "mail_from": "not@@an.address", "rcpt": ["c@d.example"]})`, "session.mail_from"},
		{with("rcpt_to", `["c@d.example"]`), "session.rcpt_to: unknown key"},
		{`mailflow.attribute(dyn({1: "x"}))`, "no such overload"}, // the runtime checks the key type
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			out, err := eval(t, env, tt.expr, map[string]any{"x": 1})
			require.Error(t, err, "got %v", out)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, types.IsError(out), "%v is not a CEL error", out)
		})
	}

	// Wrong static types are the checker's to refuse.
	for _, expr := range []string{`mailflow.route(1, "a@b.example")`, `mailflow.route("t")`, `mailflow.attribute("s")`} {
		_, iss := env.Compile(expr)
		require.Error(t, iss.Err(), expr)
		assert.Contains(t, iss.Err().Error(), "found no matching overload", expr)
	}

	// An error is a value: a policy may test for it, or short-circuit past it.
	out, err := eval(t, env, `r.endsWith("@contoso.com") && mailflow.route("contoso", r).connector == "x"`, map[string]any{"r": "bad@@x"})
	require.NoError(t, err)
	assert.Equal(t, types.False, out)
}

// TestNilDirectory: a Source that has nothing gives an error, not a panic.
func TestNilDirectory(t *testing.T) {
	env := newEnv(t, mailflowcel.Fixed(nil))
	_, err := eval(t, env, `mailflow.route("contoso", "a@contoso.com")`, nil)
	require.ErrorContains(t, err, "no directory")
	_, err = eval(t, env, `mailflow.attribute(s)`, map[string]any{"s": certRelay})
	require.ErrorContains(t, err, "no directory")
}

// TestReload: one compiled program, two directories swapped in a Holder
// between evaluations; the second evaluation sees the new decision.
func TestReload(t *testing.T) {
	holder := attribution.NewHolder(config.Default().Directory())
	env := newEnv(t, holder.Load)
	route := compile(t, env, `mailflow.route("contoso", "john@contoso.com").connector`)
	attribute := compile(t, env, `mailflow.attribute(s).recipients[0].disposition`)
	vars := map[string]any{"s": map[string]any{"ip": "192.0.2.1", "mail_from": "a@b.example", "rcpt": []string{"c@partner.example"}}}

	out, _, err := route.Eval(cel.NoVars())
	require.NoError(t, err)
	assert.Equal(t, types.String("Connector 2"), out)
	out, _, err = attribute.Eval(vars)
	require.NoError(t, err)
	assert.Equal(t, types.String("reject"), out)

	reloaded, err := config.Parse([]byte(`
Tenants:
  - Id: contoso
    AcceptedDomains: [{ DomainName: contoso.com }, { DomainName: partner.example }]
    OutboundConnectors:
      - { Name: Partner, RecipientDomains: [contoso.com], SmartHosts: [mx.partner.example] }
`), "reload.yaml")
	require.NoError(t, err)
	holder.Store(reloaded.Directory())

	out, _, err = route.Eval(cel.NoVars())
	require.NoError(t, err)
	assert.Equal(t, types.String("Partner"), out)
	out, _, err = attribute.Eval(vars)
	require.NoError(t, err)
	assert.Equal(t, types.String("deliver"), out)
}

// TestMatchesCLI: the maps are the JSON objects `mailflow route --json` and
// `mailflow attribute --json` print, for the same inputs.
func TestMatchesCLI(t *testing.T) {
	cli := filepath.Join(t.TempDir(), "mailflow")
	build := exec.Command("go", "-C", "..", "build", "-o", cli, "./cmd/mailflow") // in the core module, with its go.sum
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the CLI: %s", out)
	twoTenants := filepath.Join("..", "cmd", "mailflow", "testdata", "two-tenants.yaml")
	twoCfg, err := config.Load(twoTenants)
	require.NoError(t, err)
	rules := filepath.Join("..", "cmd", "mailflow", "testdata", "rules.yaml") // transport rules
	rulesCfg, err := config.Load(rules)
	require.NoError(t, err)

	tests := []struct {
		name   string
		dir    *attribution.Directory
		expr   string
		vars   map[string]any
		config string
		args   []string
	}{
		{"route exact", config.Default().Directory(), `mailflow.route("contoso", "john@contoso.com")`, nil, "", []string{"route", "john@contoso.com"}},
		{"route wildcard", config.Default().Directory(), `mailflow.route("contoso", "john@sales.contoso.com")`, nil, "", []string{"route", "--tenant", "contoso", "john@sales.contoso.com"}},
		{"route none", config.Default().Directory(), `mailflow.route("contoso", "sun@internet.example")`, nil, "", []string{"route", "sun@internet.example"}},
		{"route bare domain", config.Default().Directory(), `mailflow.route("contoso", "fabrikam.com")`, nil, "", []string{"route", "fabrikam.com"}},
		{"route owner", twoCfg.Directory(), `mailflow.route("", "a@fabrikam.com")`, nil, twoTenants, []string{"route", "a@fabrikam.com"}},
		{"route other tenant", twoCfg.Directory(), `mailflow.route("fabrikam", "a@bank.example")`, nil, twoTenants, []string{"route", "--tenant", "fabrikam", "a@bank.example"}},
		{"route by transport rule", rulesCfg.Directory(), `mailflow.route("contoso", "bob@fabrikam.com")`, nil, rules, []string{"route", "bob@fabrikam.com"}},
		{"route rule unknown", rulesCfg.Directory(), `mailflow.route("contoso", "ann@contoso.com")`, nil, rules, []string{"route", "ann@contoso.com"}},
		{"attribute cert relay", config.Default().Directory(), `mailflow.attribute(s)`, map[string]any{"s": certRelay}, "",
			[]string{"attribute", "--ip", "203.0.113.5", "--cert-name", "mail.contoso.com", "--mail-from", "<>", "--rcpt", "sun@internet.example", "--rcpt", "bob@contoso.com"}},
		{"attribute direct send", config.Default().Directory(), `mailflow.attribute({"ip": "198.51.100.7", "mail_from": "printer@contoso.com", "rcpt": ["sun@internet.example"]})`, nil, "",
			[]string{"attribute", "--ip", "198.51.100.7", "--mail-from", "printer@contoso.com", "--rcpt", "sun@internet.example"}},
		{"attribute submission", config.Default().Directory(), `mailflow.attribute({"ip": "198.51.100.7", "port": 587, "tls": "1.2", "auth": "printer@contoso.com", "mail_from": "ceo@contoso.com", "rcpt": ["sun@internet.example", "x@contoso.com"]})`, nil, "",
			[]string{"attribute", "--ip", "198.51.100.7", "--port", "587", "--tls", "1.2", "--auth", "printer@contoso.com", "--mail-from", "ceo@contoso.com", "--rcpt", "sun@internet.example", "--rcpt", "x@contoso.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := eval(t, newEnv(t, mailflowcel.Fixed(tt.dir)), tt.expr, tt.vars)
			require.NoError(t, err)
			pb, err := v.ConvertToNative(reflect.TypeFor[*structpb.Value]())
			require.NoError(t, err)
			gotJSON, err := protojson.Marshal(pb.(*structpb.Value))
			require.NoError(t, err)

			args := append([]string(nil), tt.args...)
			args = append(args[:1], append([]string{"--json"}, args[1:]...)...)
			if tt.config != "" {
				args = append(args[:1], append([]string{"--config", tt.config}, args[1:]...)...)
			}
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(cli, args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), stderr.String())

			var got, want any
			require.NoError(t, json.Unmarshal(gotJSON, &got))
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &want))
			assert.Equal(t, want, got)
		})
	}
}
