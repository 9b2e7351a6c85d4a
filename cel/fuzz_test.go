package mailflowcel

import (
	"testing"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/traits"

	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

// FuzzSessionFromMap: any session map, of any key and value types, gives a
// Session or an error, never a panic; a Session it gives has the port and
// recipients it was given, and attributes without a panic.
func FuzzSessionFromMap(f *testing.F) {
	f.Add("203.0.113.5", int64(25), "", "mail.contoso.com", "", "<>", "sun@internet.example", "", uint8(0))
	f.Add("198.51.100.7", int64(587), "1.2", "", "printer@contoso.com", "ceo@contoso.com", "x@contoso.com", "", uint8(0))
	f.Add("::1", int64(0), "none", "f*.x", "a", "not@@an", "", "extra", uint8(0xff))
	dir := config.Default().Directory()
	f.Fuzz(func(t *testing.T, ip string, port int64, tls, cert, auth, mailFrom, rcpt, extraKey string, mistype uint8) {
		m := map[string]any{"ip": ip, "port": port, "tls": tls, "cert_names": []string{cert}, "auth": auth, "mail_from": mailFrom, "rcpt": []string{rcpt}}
		// Each bit of mistype gives one key a value of the wrong type.
		keys := []string{"ip", "port", "tls", "cert_names", "auth", "mail_from", "rcpt"}
		for i, k := range keys {
			if mistype&(1<<i) != 0 {
				m[k] = []any{int64(i), nil, 1.5}
			}
		}
		if mistype&0x80 != 0 {
			m[extraKey] = extraKey
		}
		v := types.DefaultTypeAdapter.NativeToValue(m)
		s, err := sessionFromMap(v.(traits.Mapper))
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
