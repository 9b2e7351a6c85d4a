package mailflowopa

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

// Source returns the directory to decide with. It is called at every call
// of a mailflow function, so it must be cheap and safe for concurrent use:
// (*attribution.Holder).Load is both, and picks up reloads.
type Source func() *attribution.Directory

// Fixed is a Source that always returns d.
func Fixed(d *attribution.Directory) Source {
	return func() *attribution.Directory { return d }
}

// resultType is both functions' result: an object of the CLI's --json
// fields.
var resultType = types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))

// Route declares mailflow.route(tenant, rcpt).
var Route = &rego.Function{
	Name:             "mailflow.route",
	Description:      "The outbound connector mailflow selects for mail from tenant to rcpt (an address or a domain), as `mailflow route --json` prints it.",
	Decl:             types.NewFunction(types.Args(types.Named("tenant", types.S), types.Named("rcpt", types.S)), types.Named("route", resultType)),
	Memoize:          true,
	Nondeterministic: true,
}

// Attribute declares mailflow.attribute(session).
var Attribute = &rego.Function{
	Name:             "mailflow.attribute",
	Description:      "The tenant, inbound connector, path and per-recipient decisions for an SMTP session, as `mailflow attribute --json` prints them.",
	Decl:             types.NewFunction(types.Args(types.Named("session", types.NewObject(nil, types.NewDynamicProperty(types.S, types.A)))), types.Named("attribution", resultType)),
	Memoize:          true,
	Nondeterministic: true,
}

// Options returns the rego.New options that add mailflow.route and
// mailflow.attribute, deciding with the directory src returns at each call.
func Options(src Source) []func(*rego.Rego) {
	b := builtins{src}
	return []func(*rego.Rego){rego.Function2(Route, b.route), rego.Function1(Attribute, b.attribute)}
}

// Register adds mailflow.route and mailflow.attribute to OPA's global
// built-ins, for every query, compiler and OPA command run in this process
// afterwards. Call it once, before compiling; it is not for use together
// with Options in the same process.
func Register(src Source) {
	b := builtins{src}
	rego.RegisterBuiltin2(Route, b.route)
	rego.RegisterBuiltin1(Attribute, b.attribute)
}

type builtins struct{ src Source }

// route is mailflow.route. The type checker has seen to the types of
// literal arguments; input's are checked here.
func (b builtins) route(_ rego.BuiltinContext, tenant, rcpt *ast.Term) (*ast.Term, error) {
	t, ok := tenant.Value.(ast.String)
	if !ok {
		return nil, fmt.Errorf("operand 1 (tenant) must be a string, not %s", ast.ValueName(tenant.Value))
	}
	r, ok := rcpt.Value.(ast.String)
	if !ok {
		return nil, fmt.Errorf("operand 2 (rcpt) must be a string, not %s", ast.ValueName(rcpt.Value))
	}
	v, err := policyview.Route(b.src(), string(t), string(r))
	if err != nil {
		return nil, err
	}
	return toTerm(v)
}

// attribute is mailflow.attribute.
func (b builtins) attribute(_ rego.BuiltinContext, session *ast.Term) (*ast.Term, error) {
	obj, ok := session.Value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("operand 1 (session) must be an object, not %s", ast.ValueName(session.Value))
	}
	s, err := sessionFromObject(obj)
	if err != nil {
		return nil, err
	}
	v, err := policyview.Attribute(b.src(), s)
	if err != nil {
		return nil, err
	}
	return toTerm(v)
}

func toTerm(v map[string]any) (*ast.Term, error) {
	val, err := ast.InterfaceToValue(v)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(val), nil
}

// sessionFromObject reads a session object into a Session. Every key must
// be one of the documented ones, with its type: a misspelt key is an error,
// not a silently absent input.
func sessionFromObject(obj ast.Object) (*attribution.Session, error) {
	var in policyview.SessionInput
	err := obj.Iter(func(k, v *ast.Term) error {
		s, ok := k.Value.(ast.String)
		if !ok {
			return fmt.Errorf("session key %v is a %s, not a string", k, ast.ValueName(k.Value))
		}
		key := string(s)
		var err error
		switch key {
		case policyview.KeyIP:
			in.IP, err = stringValue(key, v)
		case policyview.KeyTLS:
			in.TLS, err = stringValue(key, v)
		case policyview.KeyAuth:
			in.Auth, err = stringValue(key, v)
		case policyview.KeyMailFrom:
			in.MailFrom, err = stringValue(key, v)
		case policyview.KeyPort:
			n, ok := v.Value.(ast.Number)
			if !ok {
				return typeError(key, v, "an integer")
			}
			p, ok := n.Int64()
			if !ok {
				return typeError(key, v, "an integer")
			}
			in.Port, in.HasPort = p, true
		case policyview.KeyCertNames:
			in.CertNames, err = stringList(key, v)
		case policyview.KeyRcpt:
			in.Rcpt, err = stringList(key, v)
		default:
			err = fmt.Errorf("session.%s: unknown key (keys: %s, %s, %s, %s, %s, %s, %s)",
				key, policyview.KeyIP, policyview.KeyPort, policyview.KeyTLS, policyview.KeyCertNames, policyview.KeyAuth, policyview.KeyMailFrom, policyview.KeyRcpt)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return in.Session()
}

func stringValue(key string, v *ast.Term) (string, error) {
	s, ok := v.Value.(ast.String)
	if !ok {
		return "", typeError(key, v, "a string")
	}
	return string(s), nil
}

func stringList(key string, v *ast.Term) ([]string, error) {
	a, ok := v.Value.(*ast.Array)
	if !ok {
		return nil, typeError(key, v, "an array of strings")
	}
	out := make([]string, a.Len())
	for i := range out {
		s, ok := a.Elem(i).Value.(ast.String)
		if !ok {
			return nil, fmt.Errorf("session.%s[%d] is a %s, not a string", key, i, ast.ValueName(a.Elem(i).Value))
		}
		out[i] = string(s)
	}
	return out, nil
}

func typeError(key string, v *ast.Term, want string) error {
	return fmt.Errorf("session.%s is a %s, not %s", key, ast.ValueName(v.Value), want)
}
