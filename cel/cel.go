package mailflowcel

import (
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

// Source returns the directory to decide with. It is called at every
// evaluation of a mailflow function, so it must be cheap and safe for
// concurrent use: (*attribution.Holder).Load is both, and picks up reloads.
type Source func() *attribution.Directory

// Fixed is a Source that always returns d.
func Fixed(d *attribution.Directory) Source {
	return func() *attribution.Directory { return d }
}

// Names of the functions and their overloads, as a policy and a checked
// expression's reference map name them.
const (
	RouteFunction       = "mailflow.route"
	AttributeFunction   = "mailflow.attribute"
	routeOverloadID     = "mailflow_route_string_string"
	attributeOverloadID = "mailflow_attribute_map"
)

// ResultType is the CEL type of both functions' results: a map from field
// name to value, the fields of the CLI's --json output.
var ResultType = cel.MapType(cel.StringType, cel.DynType)

// Library returns the environment option that declares mailflow.route and
// mailflow.attribute, deciding with the directory src returns at each call.
func Library(src Source) cel.EnvOption {
	return cel.Lib(library{src: src})
}

type library struct{ src Source }

// CompileOptions declares the two functions with their bindings.
func (l library) CompileOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function(RouteFunction,
			cel.Overload(routeOverloadID, []*cel.Type{cel.StringType, cel.StringType}, ResultType,
				cel.BinaryBinding(l.route))),
		cel.Function(AttributeFunction,
			cel.Overload(attributeOverloadID, []*cel.Type{cel.MapType(cel.StringType, cel.DynType)}, ResultType,
				cel.UnaryBinding(l.attribute))),
	}
}

// ProgramOptions adds nothing: the bindings travel with the declarations.
func (library) ProgramOptions() []cel.ProgramOption { return nil }

// route is the binding of mailflow.route. The runtime checks the argument
// types again: with dyn arguments the checker cannot.
func (l library) route(tenant, rcpt ref.Val) ref.Val {
	t, ok := tenant.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(tenant)
	}
	r, ok := rcpt.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(rcpt)
	}
	v, err := policyview.Route(l.src(), string(t), string(r))
	if err != nil {
		return types.NewErr("%s: %v", RouteFunction, err)
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}

// attribute is the binding of mailflow.attribute.
func (l library) attribute(session ref.Val) ref.Val {
	m, ok := session.(traits.Mapper)
	if !ok {
		return types.MaybeNoSuchOverloadErr(session)
	}
	s, err := sessionFromMap(m)
	if err != nil {
		return types.NewErr("%s: %v", AttributeFunction, err)
	}
	v, err := policyview.Attribute(l.src(), s)
	if err != nil {
		return types.NewErr("%s: %v", AttributeFunction, err)
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}

// sessionFromMap reads a CEL session map into a Session. Every key must be
// one of the documented ones, with its type: a misspelt key is an error,
// not a silently absent input.
func sessionFromMap(m traits.Mapper) (*attribution.Session, error) {
	var in policyview.SessionInput
	it := m.Iterator()
	for it.HasNext() == types.True {
		k := it.Next()
		key, ok := k.(types.String)
		if !ok {
			return nil, fmt.Errorf("session key %v is a %s, not a string", k, k.Type().TypeName())
		}
		v := m.Get(k)
		var err error
		switch string(key) {
		case policyview.KeyIP:
			in.IP, err = stringValue(key, v)
		case policyview.KeyTLS:
			in.TLS, err = stringValue(key, v)
		case policyview.KeyAuth:
			in.Auth, err = stringValue(key, v)
		case policyview.KeyMailFrom:
			in.MailFrom, err = stringValue(key, v)
		case policyview.KeyPort:
			p, ok := v.(types.Int)
			if !ok {
				err = typeError(key, v, "an int")
			}
			in.Port, in.HasPort = int64(p), true
		case policyview.KeyCertNames:
			in.CertNames, err = stringList(key, v)
		case policyview.KeyRcpt:
			in.Rcpt, err = stringList(key, v)
		default:
			err = fmt.Errorf("session.%s: unknown key (keys: %s, %s, %s, %s, %s, %s, %s)",
				key, policyview.KeyIP, policyview.KeyPort, policyview.KeyTLS, policyview.KeyCertNames, policyview.KeyAuth, policyview.KeyMailFrom, policyview.KeyRcpt)
		}
		if err != nil {
			return nil, err
		}
	}
	return in.Session()
}

func stringValue(key types.String, v ref.Val) (string, error) {
	s, ok := v.(types.String)
	if !ok {
		return "", typeError(key, v, "a string")
	}
	return string(s), nil
}

func stringList(key types.String, v ref.Val) ([]string, error) {
	l, ok := v.(traits.Lister)
	if !ok {
		return nil, typeError(key, v, "a list of strings")
	}
	n, ok := l.Size().(types.Int)
	if !ok {
		return nil, typeError(key, v, "a list of strings")
	}
	out := make([]string, 0, int(n))
	for i := types.Int(0); i < n; i++ {
		e, ok := l.Get(i).(types.String)
		if !ok {
			return nil, fmt.Errorf("session.%s[%d] is a %s, not a string", key, i, l.Get(i).Type().TypeName())
		}
		out = append(out, string(e))
	}
	return out, nil
}

func typeError(key types.String, v ref.Val, want string) error {
	return fmt.Errorf("session.%s is a %s, not %s", key, v.Type().TypeName(), want)
}
