package mailflowcel

import (
	"net/netip"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

// The benchmarks measure a policy that calls a mailflow function against
// the library calls that function makes, in one run:
//
//	go test -run '^$' -bench . -benchmem -count 5 ./
//
// library is the same decision by Go code (the parse and Table.Explain or
// Directory.Explain the function makes); fast is the non-explaining call a
// Go caller would make (Table.Select, Directory.AttributeTo) for scale;
// policy is cel Program.Eval of the policy. The overhead ratio is
// policy/library.

func mustProgram(b *testing.B, env *cel.Env, expr string) cel.Program {
	b.Helper()
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		b.Fatal(iss.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		b.Fatal(err)
	}
	return prg
}

func BenchmarkRoute(b *testing.B) {
	dir := config.Default().Directory()
	const tenant, rcpt = "contoso", "john@sales.contoso.com"
	// lookup is the parsing and look-ups route makes before it decides.
	lookup := func(b *testing.B) (domain.Name, *connector.Table) {
		d, err := policyview.RecipientDomain(rcpt)
		id, ok := dir.TenantID(tenant)
		if err != nil || !ok {
			b.Fatal(err)
		}
		table, _ := dir.OutboundTable(id)
		return d, table
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d, table := lookup(b); table.Select(d).ConnectorName() != "Connector 3" {
				b.Fatal("wrong connector")
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d, table := lookup(b); table.Explain(d).Selection.ConnectorName() != "Connector 3" {
				b.Fatal("wrong connector")
			}
		}
	})
	b.Run("policy", func(b *testing.B) {
		env, err := cel.NewEnv(Library(Fixed(dir)), cel.Variable("t", cel.StringType), cel.Variable("r", cel.StringType))
		if err != nil {
			b.Fatal(err)
		}
		prg := mustProgram(b, env, `mailflow.route(t, r).connector == "Connector 3"`)
		vars := map[string]any{"t": tenant, "r": rcpt}
		b.ReportAllocs()
		for b.Loop() {
			out, _, err := prg.Eval(vars)
			if err != nil || out != types.True {
				b.Fatal(out, err)
			}
		}
	})
}

func BenchmarkAttribute(b *testing.B) {
	dir := config.Default().Directory()
	names, err := certmatch.ParseNames("mail.contoso.com")
	if err != nil {
		b.Fatal(err)
	}
	session := map[string]any{
		"ip": "203.0.113.5", "cert_names": []string{"mail.contoso.com"},
		"mail_from": "<>", "rcpt": []string{"sun@internet.example", "bob@contoso.com"},
	}
	// parse is what the library caller does with the same inputs.
	parse := func() *attribution.Session {
		return &attribution.Session{
			ClientIP: netip.MustParseAddr("203.0.113.5"), Port: 25, TLSVersion: 0x0303,
			Certificate: names,
			MailFrom:    attribution.ParseAddress("<>"),
			RcptTo:      attribution.ParseAddresses("sun@internet.example", "bob@contoso.com"),
		}
	}
	b.Run("fast", func(b *testing.B) {
		s := parse()
		var r attribution.Result
		b.ReportAllocs()
		for b.Loop() {
			dir.AttributeTo(s, &r)
			if r.Tenant != "contoso" {
				b.Fatal(r.Tenant)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := dir.Explain(parse()); r.Tenant != "contoso" {
				b.Fatal(r.Tenant)
			}
		}
	})
	b.Run("policy", func(b *testing.B) {
		env, err := cel.NewEnv(Library(Fixed(dir)), cel.Variable("s", cel.MapType(cel.StringType, cel.DynType)))
		if err != nil {
			b.Fatal(err)
		}
		prg := mustProgram(b, env, `mailflow.attribute(s).tenant == "contoso"`)
		vars := map[string]any{"s": session}
		b.ReportAllocs()
		for b.Loop() {
			out, _, err := prg.Eval(vars)
			if err != nil || out != types.True {
				b.Fatal(out, err)
			}
		}
	})
}
