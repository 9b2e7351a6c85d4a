package mailflowcel_test

import (
	"reflect"

	"fmt"

	"cel.dev/cel-go/cel"

	"github.com/mailflow-go/mailflow/attribution"
	mailflowcel "github.com/mailflow-go/mailflow/cel"
	"github.com/mailflow-go/mailflow/config"
)

// A policy that allows mail to contoso.com only through the connector that
// mailflow routes it to, compiled once and evaluated per message. The
// Holder's Load is the Source: a reload (holder.Store) takes effect at the
// next evaluation. A bad address is a CEL error, which && absorbs when the
// other side is false, as CEL's logic does.
func ExampleLibrary() {
	holder := attribution.NewHolder(config.Default().Directory())
	env, err := cel.NewEnv(
		mailflowcel.Library(holder.Load),
		cel.Variable("t", cel.StringType),
		cel.Variable("r", cel.StringType),
	)
	if err != nil {
		panic(err)
	}
	ast, iss := env.Compile(`mailflow.route(t, r).connector == "Connector 2" && r.endsWith("@contoso.com")`)
	if iss.Err() != nil {
		panic(iss.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		panic(err)
	}
	for _, r := range []string{"john@contoso.com", "john@sales.contoso.com", "x@@contoso.com", "x@@fabrikam.com"} {
		out, _, err := prg.Eval(map[string]any{"t": "contoso", "r": r})
		if err != nil {
			fmt.Println(r, "error:", err)
			continue
		}
		fmt.Println(r, out)
	}
	// Output:
	// john@contoso.com true
	// john@sales.contoso.com false
	// x@@contoso.com error: mailflow.route: recipient "x@@contoso.com": domain: bad address "x@@contoso.com": bad domain: bad character '@' (at "@contoso")
	// x@@fabrikam.com false
}

// mailflow.attribute takes the session as a map keyed after the flags of
// `mailflow attribute`, and gives back what `mailflow attribute --json`
// prints.
func ExampleLibrary_attribute() {
	env, err := cel.NewEnv(mailflowcel.Library(mailflowcel.Fixed(config.Default().Directory())))
	if err != nil {
		panic(err)
	}
	ast, iss := env.Compile(`mailflow.attribute({
		"ip": "203.0.113.5", "cert_names": ["mail.contoso.com"],
		"mail_from": "<>", "rcpt": ["sun@internet.example", "bob@contoso.com"],
	}).recipients.map(x, x.address + " " + x.disposition + " " + x.reply)`)
	if iss.Err() != nil {
		panic(iss.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		panic(err)
	}
	out, _, err := prg.Eval(cel.NoVars())
	if err != nil {
		panic(err)
	}
	native, _ := out.ConvertToNative(reflectStrings)
	for _, line := range native.([]string) {
		fmt.Println(line)
	}
	// Output:
	// sun@internet.example relay 250 2.1.5 Recipient OK
	// bob@contoso.com deliver 250 2.1.5 Recipient OK
}

var reflectStrings = reflect.TypeFor[[]string]()
