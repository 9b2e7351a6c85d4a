package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/internal/metrics"
)

// newAPI serves the embedded default configuration (tenant contoso), with
// a snapshot loaded unless loaded is false.
func newAPI(t *testing.T, loaded bool) (*API, *httptest.Server) {
	t.Helper()
	m := metrics.New()
	if loaded {
		m.SnapshotLoaded(1, time.Now())
	}
	a := &API{Directory: attribution.NewHolder(config.Default().Directory()), Metrics: m,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: 1024}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}

// call sends a request and returns the status and the decoded JSON body.
func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v map[string]any
	if method != http.MethodHead && !strings.HasPrefix(path, "/metrics") {
		require.NoError(t, json.Unmarshal(b, &v), "body %q", b)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, v, resp.Header
}

func TestRoute(t *testing.T) {
	_, srv := newAPI(t, true)
	code, v, _ := call(t, srv, "GET", "/v1/route?rcpt=john@contoso.com", "")
	require.Equal(t, 200, code, "%v", v)
	assert.Equal(t, "contoso", v["tenant"])
	assert.Equal(t, "Connector 2", v["connector"])
	assert.Equal(t, "exact", v["rule"])

	code, v, _ = call(t, srv, "GET", "/v1/route?tenant=CONTOSO&rcpt=sun@internet.example&from=a@contoso.com&client_ip=192.0.2.1", "")
	require.Equal(t, 200, code, "%v", v)
	assert.Equal(t, "contoso", v["tenant"], "the directory's spelling of the ID")
	assert.Nil(t, v["connector"])
}

func TestAttribute(t *testing.T) {
	_, srv := newAPI(t, true)
	code, v, _ := call(t, srv, "POST", "/v1/attribute",
		`{"ip": "192.0.2.10", "mail_from": "<>", "rcpt": ["sun@internet.example", "bob@contoso.com"]}`)
	require.Equal(t, 200, code, "%v", v)
	rs := v["recipients"].([]any)
	require.Len(t, rs, 2)
	assert.Equal(t, "reject", rs[0].(map[string]any)["disposition"])
	assert.Equal(t, "deliver", rs[1].(map[string]any)["disposition"])

	code, v, _ = call(t, srv, "POST", "/v1/attribute",
		`{"ip": "203.0.113.5", "cert_names": ["mail.contoso.com"], "port": 25, "tls": "1.3", "mail_from": "<>", "rcpt": ["sun@internet.example"]}`)
	require.Equal(t, 200, code, "%v", v)
	assert.Equal(t, "contoso", v["tenant"])
	assert.Equal(t, "relay", v["recipients"].([]any)[0].(map[string]any)["disposition"])
}

// TestBadRequests: every bad request is a 400 (or 413, 405, 404) with a
// JSON error naming the parameter or key at fault.
func TestBadRequests(t *testing.T) {
	_, srv := newAPI(t, true)
	okBody := `"mail_from": "<>", "rcpt": ["a@b.example"]`
	tests := []struct {
		name, method, path, body string
		code                     int
		field, err               string
	}{
		{"no rcpt", "GET", "/v1/route", "", 400, "rcpt", "required"},
		{"bad rcpt", "GET", "/v1/route?rcpt=not@@an.address", "", 400, "rcpt", "bad address"},
		{"unknown tenant", "GET", "/v1/route?tenant=nobody&rcpt=a@contoso.com", "", 400, "tenant", `no tenant "nobody"`},
		{"bad client_ip", "GET", "/v1/route?rcpt=a@contoso.com&client_ip=nope", "", 400, "client_ip", "nope"},
		{"two rcpt", "GET", "/v1/route?rcpt=a@contoso.com&rcpt=b@contoso.com", "", 400, "rcpt", "once"},
		{"unknown parameter", "GET", "/v1/route?rcpt=a@contoso.com&recipient=x", "", 400, "recipient", "unknown parameter"},
		{"bad query", "GET", "/v1/route?rcpt=%zz", "", 400, "", "bad query"},
		{"empty body", "POST", "/v1/attribute", "", 400, "", "empty"},
		{"not JSON", "POST", "/v1/attribute", "ip=1", 400, "", "not JSON"},
		{"truncated", "POST", "/v1/attribute", `{"ip": "1.2.3.4"`, 400, "", "middle"},
		{"two objects", "POST", "/v1/attribute", `{"ip": "192.0.2.1", ` + okBody + `} {}`, 400, "", "more than one"},
		{"unknown key", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "rcpt_to": [], ` + okBody + `}`, 400, "rcpt_to", "unknown key"},
		{"wrong type", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "port": "25", ` + okBody + `}`, 400, "port", "want an integer"},
		{"rcpt a string", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "mail_from": "<>", "rcpt": "a@b.example"}`, 400, "rcpt", "list of strings"},
		{"no ip", "POST", "/v1/attribute", `{` + okBody + `}`, 400, "ip", "required"},
		{"bad ip", "POST", "/v1/attribute", `{"ip": "999.1.1.1", ` + okBody + `}`, 400, "ip", "not an IP"},
		{"no mail_from", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "rcpt": ["a@b.example"]}`, 400, "mail_from", "required"},
		{"no rcpt key", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "mail_from": "<>"}`, 400, "rcpt", "at least one"},
		{"bad port", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "port": 70000, ` + okBody + `}`, 400, "port", "not a TCP port"},
		{"bad tls", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "tls": "2.0", ` + okBody + `}`, 400, "tls", ""},
		{"cert without tls", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "tls": "none", "cert_names": ["mail.contoso.com"], ` + okBody + `}`, 400, "tls", "needs TLS"},
		{"bad cert name", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "cert_names": ["f*.contoso.com"], ` + okBody + `}`, 400, "cert_names", ""},
		{"bad auth", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "auth": "@@", ` + okBody + `}`, 400, "auth", ""},
		{"too large", "POST", "/v1/attribute", `{"ip": "192.0.2.1", "rcpt": ["` + strings.Repeat("a", 2000) + `@b.example"], "mail_from": "<>"}`, 413, "", "larger than 1024 bytes"},
		{"route by POST", "POST", "/v1/route?rcpt=a@contoso.com", "", 405, "", "not allowed"},
		{"attribute by GET", "GET", "/v1/attribute", "", 405, "", "not allowed"},
		{"healthz by DELETE", "DELETE", "/healthz", "", 405, "", "not allowed"},
		{"unknown path", "GET", "/v2/route", "", 404, "", "no such endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, v, h := call(t, srv, tt.method, tt.path, tt.body)
			assert.Equal(t, tt.code, code, "%v", v)
			field, _ := v["field"].(string)
			assert.Equal(t, tt.field, field, "%v", v)
			assert.Contains(t, v["error"], tt.err)
			if code == 405 {
				assert.NotEmpty(t, h.Get("Allow"))
			}
		})
	}
}

func TestHealthAndReadiness(t *testing.T) {
	a, srv := newAPI(t, false)
	code, _, _ := call(t, srv, "GET", "/healthz", "")
	assert.Equal(t, 200, code)
	code, v, _ := call(t, srv, "GET", "/readyz", "")
	assert.Equal(t, 503, code)
	assert.Equal(t, "not ready", v["status"])

	a.Metrics.SnapshotLoaded(7, time.Now())
	code, v, _ = call(t, srv, "GET", "/readyz", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, 7.0, v["change_number"])
	assert.Equal(t, 1.0, v["tenants"])
	code, _, _ = call(t, srv, "HEAD", "/readyz", "")
	assert.Equal(t, 200, code)
}

// TestMetricsCountHTTP: API requests show in /metrics, decisions by
// outcome and reason code, latency under proto="http".
func TestMetricsCountHTTP(t *testing.T) {
	_, srv := newAPI(t, true)
	call(t, srv, "GET", "/v1/route?rcpt=john@contoso.com", "")
	call(t, srv, "POST", "/v1/attribute", `{"ip": "192.0.2.10", "mail_from": "<>", "rcpt": ["sun@internet.example"]}`)
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	text := string(b)
	assert.Contains(t, text, `mailflow_decisions_total{outcome="routed",proto="http",reason="exact"} 1`)
	assert.Contains(t, text, `mailflow_decisions_total{outcome="reject",proto="http",reason="no_owner"} 1`)
	assert.Contains(t, text, `mailflow_request_duration_seconds_count{proto="http"} 2`)
	assert.Contains(t, text, "mailflow_snapshot_change_number 1")
}

func TestNewServerTimeouts(t *testing.T) {
	s := NewServer(http.NotFoundHandler(), nil)
	assert.Equal(t, ReadHeaderTimeout, s.ReadHeaderTimeout)
	assert.Equal(t, ReadTimeout, s.ReadTimeout)
	assert.Equal(t, WriteTimeout, s.WriteTimeout)
	assert.Equal(t, IdleTimeout, s.IdleTimeout)
	assert.Positive(t, s.MaxHeaderBytes)
}
