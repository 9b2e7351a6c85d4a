// Package httpapi is the HTTP API of "mailflow serve --http": route and
// attribute questions answered in JSON with the same objects as the CLI's
// --json (internal/policyview builds both), health and readiness checks,
// and the Prometheus metrics.
//
//	GET  /v1/route?tenant=T&rcpt=ADDR[&from=SENDER][&client_ip=IP]
//	POST /v1/attribute   {"ip": …, "port": …, "tls": …, "cert_names": […], "auth": …, "mail_from": …, "rcpt": […]}
//	GET  /healthz        200 while the process runs
//	GET  /readyz         200 once a snapshot is loaded, 503 before
//	GET  /metrics        Prometheus exposition
//
// A bad request is answered 400 with {"error": "...", "field": "..."}
// naming the parameter or key at fault; a body over MaxBodyBytes 413; a
// method an endpoint does not take 405 with Allow; an unknown path 404.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/internal/metrics"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

// DefaultMaxBodyBytes bounds a request body unless API.MaxBodyBytes says
// otherwise: an attribute session is a few hundred bytes.
const DefaultMaxBodyBytes = 64 << 10

// Timeouts of the server [NewServer] makes, on every connection.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 10 * time.Second
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 32 << 10
)

// API answers the HTTP endpoints. Set the fields before the first
// request and leave them alone afterwards.
type API struct {
	// Directory is read on every request; required.
	Directory *attribution.Holder
	// Metrics records decisions and latency, serves /metrics and says
	// whether a snapshot is loaded (/readyz); required.
	Metrics *metrics.Metrics
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// NewServer returns an http.Server for h with the package's timeouts and
// header limit, logging its own errors to log.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.Default()
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.With("proto", metrics.ProtoHTTP).Handler(), slog.LevelWarn),
	}
}

// Handler returns the API's handler.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/route", a.only(http.MethodGet, a.timed(a.route)))
	mux.Handle("/v1/attribute", a.only(http.MethodPost, a.timed(a.attribute)))
	mux.Handle("/healthz", a.only(http.MethodGet, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})))
	mux.Handle("/readyz", a.only(http.MethodGet, http.HandlerFunc(a.readyz)))
	mux.Handle("/metrics", a.only(http.MethodGet, a.Metrics.Handler()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such endpoint: " + r.URL.Path})
	})
	return mux
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// only lets method (and HEAD with GET) through, and answers 405 to others.
func (a *API) only(method string, h http.Handler) http.Handler {
	allow := method
	if method == http.MethodGet {
		allow = "GET, HEAD"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method && (method != http.MethodGet || r.Method != http.MethodHead) {
			w.Header().Set("Allow", allow)
			writeJSON(w, http.StatusMethodNotAllowed, apiError{Error: fmt.Sprintf("method %s not allowed; use %s", r.Method, allow)})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// timed records the latency of an API request under proto "http".
func (a *API) timed(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h(w, r)
		a.Metrics.ObserveLatency(metrics.ProtoHTTP, time.Since(start))
	})
}

func (a *API) log() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	change, at, ok := a.Metrics.Snapshot()
	if !ok {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "error": "no snapshot loaded yet"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status":        "ready",
		"change_number": change,
		"loaded_at":     at.UTC().Format(time.RFC3339Nano),
		"tenants":       a.Directory.Load().Len(),
	})
}

// RequestError is a bad request: the message and the parameter or JSON
// key at fault ("" for the request as a whole).
type RequestError struct {
	Field string
	Msg   string
	// Status is the HTTP status: 400, or 413 for a body too large.
	Status int
}

func (e *RequestError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func badField(field, format string, args ...any) *RequestError {
	return &RequestError{Field: field, Msg: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// Route query parameters.
const (
	ParamTenant   = "tenant"
	ParamRcpt     = "rcpt"
	ParamFrom     = "from"
	ParamClientIP = "client_ip"
)

// RouteRequest is a decoded GET /v1/route.
type RouteRequest struct {
	Tenant, Rcpt, From string
	ClientIP           netip.Addr
}

// DecodeRouteQuery reads the query of GET /v1/route: rcpt once
// (required), and tenant, from and client_ip at most once each; any other
// parameter is refused, so that a misspelt one is not silently ignored.
func DecodeRouteQuery(rawQuery string) (RouteRequest, error) {
	var q RouteRequest
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		return q, badField("", "bad query string: %v", err)
	}
	for k, v := range vals {
		switch k {
		case ParamTenant, ParamRcpt, ParamFrom, ParamClientIP:
			if len(v) > 1 {
				return q, badField(k, "give %s once (one recipient per request)", k)
			}
		default:
			return q, badField(k, "unknown parameter %q (want %s, %s, %s, %s)", k, ParamTenant, ParamRcpt, ParamFrom, ParamClientIP)
		}
	}
	q.Tenant, q.Rcpt, q.From = vals.Get(ParamTenant), vals.Get(ParamRcpt), vals.Get(ParamFrom)
	if q.Rcpt == "" {
		return q, badField(ParamRcpt, "rcpt is required: a recipient address or a bare domain")
	}
	if s := vals.Get(ParamClientIP); s != "" {
		if q.ClientIP, err = netip.ParseAddr(s); err != nil {
			return q, badField(ParamClientIP, "%v", err)
		}
	}
	return q, nil
}

func (a *API) route(w http.ResponseWriter, r *http.Request) {
	q, err := DecodeRouteQuery(r.URL.RawQuery)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	dir := a.Directory.Load()
	tenant, ok := policyview.SendingTenant(dir, q.Tenant)
	if !ok {
		a.fail(w, r, badField(ParamTenant, "no tenant %q in the directory", q.Tenant))
		return
	}
	ans := policyview.AnswerRoute(dir, policyview.RouteQuery{Tenant: tenant, Recipient: q.Rcpt, From: q.From, ClientIP: q.ClientIP})
	if ans.Error != nil {
		field := ParamRcpt
		if ans.Domain == nil && ans.Tenant == "" && tenant == "" {
			if _, derr := policyview.RecipientDomain(q.Rcpt); derr == nil {
				field = ParamTenant // the recipient parses; no tenant accepts it
			}
		}
		a.fail(w, r, badField(field, "%s", *ans.Error))
		return
	}
	outcome, reason := "default_route", "none"
	if ans.Connector != nil {
		outcome = "routed"
	}
	if ans.Rule != nil {
		reason = *ans.Rule
	}
	a.Metrics.Decision(metrics.ProtoHTTP, outcome, reason)
	writeJSON(w, http.StatusOK, &ans)
}

// AttributeRequest is the body of POST /v1/attribute: the inputs of
// `mailflow attribute`, under the session keys the policy engines use.
type AttributeRequest struct {
	IP        string   `json:"ip"`
	Port      *int64   `json:"port"`
	TLS       string   `json:"tls"`
	CertNames []string `json:"cert_names"`
	Auth      string   `json:"auth"`
	MailFrom  string   `json:"mail_from"`
	Rcpt      []string `json:"rcpt"`
}

// DecodeAttribute reads one JSON object (and nothing after it) from body
// and parses it into a session, as `mailflow attribute` parses its flags.
// An error is a *RequestError naming the key at fault.
func DecodeAttribute(body io.Reader) (*attribution.Session, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var req AttributeRequest
	if err := dec.Decode(&req); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if tooLarge(err) {
			return nil, jsonError(err)
		}
		return nil, badField("", "the body holds more than one JSON object")
	}
	in := policyview.SessionInput{IP: req.IP, TLS: req.TLS, Auth: req.Auth, MailFrom: req.MailFrom, CertNames: req.CertNames, Rcpt: req.Rcpt}
	if req.Port != nil {
		in.Port, in.HasPort = *req.Port, true
	}
	s, err := in.Session()
	if err != nil {
		var fe *policyview.FieldError
		if errors.As(err, &fe) {
			return nil, badField(fe.Key, "%s", strings.TrimPrefix(fe.Error(), "session."))
		}
		return nil, badField("", "%v", err)
	}
	return s, nil
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// jsonError turns a decoding error into a *RequestError with its field.
func jsonError(err error) *RequestError {
	var mb *http.MaxBytesError
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mb):
		return &RequestError{Msg: fmt.Sprintf("request body larger than %d bytes", mb.Limit), Status: http.StatusRequestEntityTooLarge}
	case errors.As(err, &te):
		field := te.Field
		if i := strings.IndexByte(field, '.'); i >= 0 {
			field = field[:i]
		}
		return badField(field, "%s is a JSON %s, want %s", te.Field, te.Value, jsonType(te.Type.String()))
	case errors.As(err, &se):
		return badField("", "the body is not JSON: %v (at byte %d)", err, se.Offset)
	case errors.Is(err, io.EOF):
		return badField("", "the body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badField("", "the body ends in the middle of the JSON object")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return badField(name, "unknown key %q (want ip, port, tls, cert_names, auth, mail_from, rcpt)", name)
	}
	return badField("", "%v", err)
}

func jsonType(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "[]string":
		return "a list of strings"
	case "int64", "*int64":
		return "an integer"
	}
	return goType
}

func (a *API) attribute(w http.ResponseWriter, r *http.Request) {
	limit := a.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	s, err := DecodeAttribute(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var res attribution.Result
	ans := policyview.AnswerAttribute(a.Directory.Load(), s, &res)
	for _, rc := range res.Recipients {
		a.Metrics.Decision(metrics.ProtoHTTP, rc.Disposition.String(), rc.Reason.Code())
	}
	writeJSON(w, http.StatusOK, &ans)
}

// fail answers a *RequestError (any other error is a 500).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var re *RequestError
	if !errors.As(err, &re) {
		a.log().Error("http request failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Error: err.Error()})
		return
	}
	a.log().Debug("http bad request", "path", r.URL.Path, "field", re.Field, "err", re.Msg)
	writeJSON(w, re.Status, apiError{Error: re.Msg, Field: re.Field})
}

// writeJSON writes v as one line of JSON, as the CLI's --json does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
