package httpapi

import (
	"errors"
	"strings"
	"testing"
)

var knownFields = map[string]bool{
	"": true, ParamTenant: true, ParamRcpt: true, ParamFrom: true, ParamClientIP: true,
	"ip": true, "port": true, "tls": true, "cert_names": true, "auth": true, "mail_from": true,
}

// FuzzDecodeAttribute: any body decodes to a session or a *RequestError
// with status 400; the field is a known key, or reported as unknown.
func FuzzDecodeAttribute(f *testing.F) {
	for _, s := range []string{
		`{"ip": "192.0.2.10", "mail_from": "<>", "rcpt": ["sun@internet.example"]}`,
		`{"ip": "203.0.113.5", "cert_names": ["mail.contoso.com"], "port": 587, "tls": "1.3", "auth": "a@contoso.com", "mail_from": "a@contoso.com", "rcpt": ["x@y.example"]}`,
		`{"ip": 1}`, `{"port": 1e99}`, `{"rcpt": [1]}`, `{"x": 1}`, `[]`, `null`, ``, `{} {}`, `{"ip": "::1", "mail_from": "<>", "rcpt": ["@"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := DecodeAttribute(strings.NewReader(string(body)))
		if err == nil {
			if s == nil || len(s.RcptTo) == 0 {
				t.Fatalf("no error and no session with recipients for %q", body)
			}
			return
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Status != 400 || re.Msg == "" {
			t.Fatalf("%q: error %#v is not a 400 RequestError", body, err)
		}
		if !knownFields[re.Field] && !strings.Contains(re.Msg, "unknown key") {
			t.Fatalf("%q: field %q is neither a key nor reported unknown", body, re.Field)
		}
	})
}

// FuzzDecodeRouteQuery: any query string decodes or is refused with a
// 400 naming a parameter that is known or reported as unknown.
func FuzzDecodeRouteQuery(f *testing.F) {
	for _, s := range []string{"rcpt=a@b.example", "tenant=contoso&rcpt=b.example&from=x@y&client_ip=::1", "rcpt=%zz", "a=b", "rcpt=a&rcpt=b", ";", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := DecodeRouteQuery(raw)
		if err == nil {
			if q.Rcpt == "" {
				t.Fatalf("%q: no error and no rcpt", raw)
			}
			return
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Status != 400 {
			t.Fatalf("%q: error %#v is not a 400 RequestError", raw, err)
		}
		if !knownFields[re.Field] && !strings.Contains(re.Msg, "unknown parameter") {
			t.Fatalf("%q: field %q is neither a parameter nor reported unknown", raw, re.Field)
		}
	})
}
