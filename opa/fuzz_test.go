package mailflowopa

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

// FuzzSessionFromObject: any session object, of any value types, gives a
// Session or an error, never a panic; a Session it gives has the port and
// recipients it was given, and attributes without a panic.
func FuzzSessionFromObject(f *testing.F) {
	f.Add("203.0.113.5", int64(25), "", "mail.contoso.com", "", "<>", "sun@internet.example", "", uint8(0))
	f.Add("198.51.100.7", int64(587), "1.2", "", "printer@contoso.com", "ceo@contoso.com", "x@contoso.com", "", uint8(0))
	f.Add("::1", int64(0), "none", "f*.x", "a", "not@@an", "", "extra", uint8(0xff))
	dir := config.Default().Directory()
	f.Fuzz(func(t *testing.T, ip string, port int64, tls, cert, auth, mailFrom, rcpt, extraKey string, mistype uint8) {
		m := map[string]any{"ip": ip, "port": port, "tls": tls, "cert_names": []string{cert}, "auth": auth, "mail_from": mailFrom, "rcpt": []string{rcpt}}
		for i, k := range []string{"ip", "port", "tls", "cert_names", "auth", "mail_from", "rcpt"} {
			if mistype&(1<<i) != 0 { // each bit gives one key a wrong type
				m[k] = []any{int64(i), nil, 1.5}
			}
		}
		if mistype&0x80 != 0 {
			m[extraKey] = extraKey
		}
		v, err := ast.InterfaceToValue(m)
		if err != nil {
			t.Fatal(err)
		}
		s, err := sessionFromObject(v.(ast.Object))
		if err != nil {
			return
		}
		if s.Port != int(port) || len(s.RcptTo) != 1 || s.RcptTo[0].Text != rcpt {
			t.Fatalf("session %+v from %v", s, m)
		}
		if _, err := policyview.Attribute(dir, s); err != nil {
			t.Fatal(err)
		}
	})
}
