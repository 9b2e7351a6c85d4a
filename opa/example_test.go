package mailflowopa_test

import (
	"context"
	"fmt"
	"os"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	mailflowopa "github.com/mailflow-go/mailflow/opa"
)

// The example policy (testdata/policy.rego), prepared once and evaluated
// per message. The Holder's Load is the Source: a reload (holder.Store)
// takes effect at the next Eval.
func ExampleOptions() {
	holder := attribution.NewHolder(config.Default().Directory())
	policy, err := os.ReadFile("testdata/policy.rego")
	if err != nil {
		panic(err)
	}
	opts := append(mailflowopa.Options(holder.Load),
		rego.Query("data.mailflow.policy.allow"),
		rego.Module("policy.rego", string(policy)))
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		panic(err)
	}
	for _, rcpt := range []string{"john@contoso.com", "john@sales.contoso.com"} {
		rs, err := pq.Eval(context.Background(), rego.EvalInput(map[string]any{"tenant": "contoso", "rcpt": rcpt}))
		if err != nil {
			panic(err)
		}
		fmt.Println(rcpt, rs[0].Expressions[0].Value)
	}
	// Output:
	// john@contoso.com true
	// john@sales.contoso.com false
}
