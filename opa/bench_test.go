package mailflowopa

import (
	"context"
	"net/netip"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

// The benchmarks measure a prepared query that calls a mailflow function
// against the library call the function makes, in one run:
//
//	go test -run '^$' -bench . -benchmem -count 5 ./
//
// library is Table.Explain or Directory.Explain by Go code; policy is
// PreparedEvalQuery.Eval with the input. The overhead ratio is
// policy/library.

func prepared(b *testing.B, dir *attribution.Directory, query string) rego.PreparedEvalQuery {
	b.Helper()
	pq, err := rego.New(append(Options(Fixed(dir)), rego.Query(query))...).PrepareForEval(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return pq
}

func BenchmarkRoute(b *testing.B) {
	dir := config.Default().Directory()
	const tenant, rcpt = "contoso", "john@sales.contoso.com"
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, err := policyview.RecipientDomain(rcpt)
			id, ok := dir.TenantID(tenant)
			if err != nil || !ok {
				b.Fatal(err)
			}
			table, _ := dir.OutboundTable(id)
			if table.Explain(d).Selection.ConnectorName() != "Connector 3" {
				b.Fatal("wrong connector")
			}
		}
	})
	b.Run("policy", func(b *testing.B) {
		pq := prepared(b, dir, `mailflow.route(input.tenant, input.rcpt).connector == "Connector 3"`)
		input := rego.EvalInput(map[string]any{"tenant": tenant, "rcpt": rcpt})
		b.ReportAllocs()
		for b.Loop() {
			rs, err := pq.Eval(context.Background(), input)
			if err != nil || !rs.Allowed() {
				b.Fatal(rs, err)
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
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s := &attribution.Session{
				ClientIP: netip.MustParseAddr("203.0.113.5"), Port: 25, TLSVersion: 0x0303,
				Certificate: names,
				MailFrom:    attribution.ParseAddress("<>"),
				RcptTo:      attribution.ParseAddresses("sun@internet.example", "bob@contoso.com"),
			}
			if r := dir.Explain(s); r.Tenant != "contoso" {
				b.Fatal(r.Tenant)
			}
		}
	})
	b.Run("policy", func(b *testing.B) {
		pq := prepared(b, dir, `mailflow.attribute(input).tenant == "contoso"`)
		input := rego.EvalInput(map[string]any{
			"ip": "203.0.113.5", "cert_names": []string{"mail.contoso.com"},
			"mail_from": "<>", "rcpt": []string{"sun@internet.example", "bob@contoso.com"},
		})
		b.ReportAllocs()
		for b.Loop() {
			rs, err := pq.Eval(context.Background(), input)
			if err != nil || !rs.Allowed() {
				b.Fatal(rs, err)
			}
		}
	})
}
