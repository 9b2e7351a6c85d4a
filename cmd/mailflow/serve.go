package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/internal/httpapi"
	"github.com/mailflow-go/mailflow/internal/metrics"
	"github.com/mailflow-go/mailflow/postfix"
)

// exitServeFailed: a listener could not be opened or failed while serving.
const exitServeFailed = 1

const serveSynopsis = "mailflow serve [--config F] [--policy ADDR] [--socketmap ADDR] [--tcp-table ADDR] [--http ADDR] [--tenant ID]\n" +
	"                      [--pins FILE] [--accept-action OK|DUNNO] [--next-hop-port N] [--next-hop-transport NAME]\n" +
	"                      [--log-level L] [--log-format text|json] [--max-connections N] [--shutdown-timeout D]"

const serveAbout = `Serves Postfix: the policy delegation protocol (check_policy_service: OK, or
the reject reply such as 550 5.7.64 Relay Access Denied ATTR36, for each RCPT),
and the socketmap and tcp_table protocols for transport_maps (recipient address
-> the selected outbound connector's next hop, e.g. smtp:[mail.contoso.com]:25;
not found for default routing). An empty address turns a protocol off.
--http ADDR serves the HTTP API: GET /v1/route, POST /v1/attribute (the
answers of route and attribute --json), /healthz, /readyz and /metrics
(Prometheus); see README.md, "HTTP API".

main.cf:
  smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:10040, reject
  transport_maps = socketmap:inet:127.0.0.1:10041:transport
  # several sending tenants: route relayed mail by the sender's connector
  smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:10040, policy_context=mailflow-route }
  smtpd_end_of_data_restrictions = check_policy_service { inet:127.0.0.1:10040, policy_context=mailflow-route }
  smtp_tls_policy_maps = socketmap:inet:127.0.0.1:10041:tls_policy
  smtpd_tls_ask_ccert = yes
  smtpd_tls_CAfile = /etc/postfix/client-ca.pem
  smtpd_tls_fingerprint_digest = sha256

SIGHUP reloads --config and --pins, and so does a change to either file (watched
with inotify or the system's equivalent; changes are read 250ms after they
settle). A reload logs the tenants added, changed and removed; a bad file is
logged with its coordinates and the running configuration kept, whole; SIGINT or SIGTERM stop accepting, let requests in flight
finish, and exit. Logs go to standard error. Exit status: 0 after a clean
stop, 1 when a listener fails, 2 for bad usage or configuration.`

// serveOptions are the flags of serve that a reload needs again.
type serveOptions struct {
	configPath string
	pinsPath   string
	tenant     string
	precedence connector.Precedence
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", serveSynopsis, serveAbout, stdout, stderr)
	cfgPath := fs.String("config", "", configHelp)
	policyAddr := fs.String("policy", "127.0.0.1:10040", "address of the policy service (check_policy_service inet:ADDR); empty: off")
	socketmapAddr := fs.String("socketmap", "127.0.0.1:10041", "address of the socketmap transport table (socketmap:inet:ADDR:transport); empty: off")
	tcpAddr := fs.String("tcp-table", "127.0.0.1:10042", "address of the tcp_table transport table (tcp:ADDR); empty: off")
	httpAddr := fs.String("http", "", "address of the HTTP API and /metrics (e.g. 127.0.0.1:8080); empty: off")
	tenant := fs.String("tenant", "", "sending tenant whose outbound connectors route transport lookups (default: the\nonly tenant, or else the tenant that accepts each recipient's domain)")
	pinsPath := fs.String("pins", "", "YAML or JSON file of pinned client certificate fingerprints (ccert_fingerprint,\nccert_pubkey_fingerprint) and the names they stand for")
	accept := fs.String("accept-action", postfix.ActionOK, "policy answer for a recipient mailflow delivers or relays: OK (mailflow decides\nrelaying: check_policy_service ..., reject) or DUNNO (Postfix decides relaying,\nmailflow only adds its rejections)")
	nextHopPort := fs.Int("next-hop-port", 25, "port of smart-host next hops in transport answers")
	nextHopTransport := fs.String("next-hop-transport", "smtp", "master.cf service named in transport answers")
	precedence := fs.String("precedence", "most-specific", "outbound connector precedence: most-specific or listed-order")
	logLevel := fs.String("log-level", "info", "debug, info (one line per policy decision), warn or error")
	logFormat := fs.String("log-format", "text", "text or json")
	maxConns := fs.Int("max-connections", postfix.DefaultMaxConnections, "open connections allowed per protocol")
	shutdownTimeout := fs.Duration("shutdown-timeout", 10*time.Second, "how long a stop waits for requests in flight")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mailflow serve: "+format+"\n", a...)
		return exitUsage
	}
	if len(rest) > 0 {
		return usageErr("unexpected arguments: %s", strings.Join(rest, " "))
	}
	if *policyAddr == "" && *socketmapAddr == "" && *tcpAddr == "" && *httpAddr == "" {
		return usageErr("every protocol is off: give --policy, --socketmap, --tcp-table or --http an address")
	}
	if *accept != postfix.ActionOK && *accept != postfix.ActionDunno {
		return usageErr("--accept-action %q: want OK or DUNNO", *accept)
	}
	if err := checkPort("next-hop-port", *nextHopPort); err != nil {
		return usageErr("%v", err)
	}
	if *maxConns < 1 {
		return usageErr("--max-connections %d: want at least 1", *maxConns)
	}
	if *shutdownTimeout <= 0 {
		return usageErr("--shutdown-timeout %s: want a positive duration", *shutdownTimeout)
	}
	if *nextHopTransport == "" || strings.ContainsAny(*nextHopTransport, ": \t") {
		return usageErr("--next-hop-transport %q is not a master.cf service name", *nextHopTransport)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, hopts))
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, hopts))
	default:
		return usageErr("--log-format %q: want text or json", *logFormat)
	}
	prec, err := connector.ParsePrecedence(*precedence)
	if err != nil {
		return usageErr("--precedence: %v", err)
	}
	opts := serveOptions{configPath: *cfgPath, pinsPath: *pinsPath, tenant: *tenant, precedence: prec}

	cfg, ok := loadConfig(opts.configPath, stderr, connector.WithPrecedence(opts.precedence))
	if !ok {
		return exitUsage
	}
	dir, pins, err := opts.build(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "mailflow serve: %v\n", err)
		return exitUsage
	}
	holder := attribution.NewHolder(dir)
	limits := postfix.Limits{MaxConnections: *maxConns}
	// One Metrics for every listener: the postfix servers report each
	// request to it (their Observer), the HTTP API too.
	mets := metrics.New()
	generation := uint64(1) // a file configuration numbers its loads
	mets.SnapshotLoaded(generation, time.Now())

	// Listen on every address first, so that a bad one fails the start.
	type service struct {
		name  string
		addr  string
		l     net.Listener
		serve func(net.Listener) error
		stop  func(context.Context) error
	}
	var services []*service
	var policy *postfix.PolicyServer
	tmap := &postfix.TransportMap{Directory: holder, Tenant: opts.tenant, Port: *nextHopPort, Transport: *nextHopTransport, Logger: log}
	if *policyAddr != "" {
		// Route requests (policy_context=mailflow-route) get the sending
		// tenant's connector as FILTER smtp:[host]:port.
		router := &postfix.Router{Transport: *nextHopTransport, Port: *nextHopPort}
		s := &postfix.PolicyServer{Directory: holder, Accept: *accept, Logger: log, Limits: limits, Observer: mets, Router: router}
		s.SetPins(pins)
		policy = s
		services = append(services, &service{name: "policy", addr: *policyAddr, serve: s.Serve, stop: s.Shutdown})
		defer s.Close()
	}
	if *socketmapAddr != "" {
		tls := &postfix.TLSPolicyMap{Directory: holder, Port: *nextHopPort, Logger: log}
		s := &postfix.SocketmapServer{Map: tmap, TLSPolicy: tls, Logger: log, Limits: limits, Observer: mets}
		services = append(services, &service{name: "socketmap", addr: *socketmapAddr, serve: s.Serve, stop: s.Shutdown})
		defer s.Close()
	}
	if *tcpAddr != "" {
		s := &postfix.TCPTableServer{Map: tmap, Logger: log, Limits: limits, Observer: mets}
		services = append(services, &service{name: "tcp_table", addr: *tcpAddr, serve: s.Serve, stop: s.Shutdown})
		defer s.Close()
	}
	if *httpAddr != "" {
		api := &httpapi.API{Directory: holder, Metrics: mets, Logger: log}
		s := httpapi.NewServer(api.Handler(), log)
		serveHTTP := func(l net.Listener) error {
			log.Info("listening", "proto", metrics.ProtoHTTP, "addr", l.Addr().String())
			if err := s.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return postfix.ErrServerClosed
		}
		services = append(services, &service{name: "http", addr: *httpAddr, serve: serveHTTP, stop: s.Shutdown})
		defer s.Close()
	}
	for _, sv := range services {
		l, err := net.Listen("tcp", sv.addr)
		if err != nil {
			for _, o := range services {
				if o.l != nil {
					o.l.Close()
				}
			}
			fmt.Fprintf(stderr, "mailflow serve: --%s: %v\n", strings.ReplaceAll(sv.name, "_", "-"), err)
			return exitServeFailed
		}
		sv.l = l
	}

	// Signals before serving, so that none is lost.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	changed, stopWatch := watchFiles(log, opts.configPath, opts.pinsPath)
	defer stopWatch()
	running := cfg.Tenants
	reload := func(why string) {
		c, d, p, ok := opts.reload(log, why, running, holder.Load())
		if !ok {
			mets.ReloadFailed()
			return
		}
		// One store: readers see the old directory or the new one, never
		// half of a change.
		holder.Store(d)
		generation++
		mets.SnapshotLoaded(generation, time.Now())
		if policy != nil {
			policy.SetPins(p)
		}
		running = c.Tenants
	}

	log.Info("mailflow serve started", opts.describe(cfg, dir, pins)...)
	if dir.Len() > 1 && opts.tenant == "" && (*socketmapAddr != "" || *tcpAddr != "") {
		log.Info("transport: several tenants and no --tenant: each recipient is routed by the tenant accepting its domain; other domains get default routing")
	}
	served := make(chan error, len(services))
	for _, sv := range services {
		go func() {
			err := sv.serve(sv.l)
			if errors.Is(err, postfix.ErrServerClosed) {
				err = nil
			} else if err != nil {
				err = fmt.Errorf("%s: %w", sv.name, err)
			}
			served <- err
		}()
	}

	status = exitOK
	live := len(services)
loop:
	for {
		select {
		case <-changed:
			reload("file changed")
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				reload("SIGHUP")
				continue
			}
			log.Info("stopping", "signal", sig.String(), "timeout", shutdownTimeout.String())
			break loop
		case err := <-served:
			live--
			if err != nil {
				log.Error("serving failed; stopping", "err", err)
				status = exitServeFailed
				break loop
			}
			if live == 0 {
				break loop
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	for _, sv := range services {
		if err := sv.stop(ctx); err != nil {
			log.Warn("stop: requests still in flight were cut off", "proto", sv.name, "err", err)
		}
	}
	log.Info("mailflow serve stopped")
	return status
}

// build makes the directory and pins from a loaded configuration.
func (o serveOptions) build(cfg *config.Config) (*attribution.Directory, *postfix.Pins, error) {
	dir := cfg.Directory()
	var err error
	if _, ok := dir.TenantID(o.tenant); o.tenant != "" && !ok {
		return nil, nil, fmt.Errorf("--tenant: no tenant %q in the configuration (tenants: %s)", o.tenant, listSome(dir.Tenants()))
	}
	var pins *postfix.Pins
	if o.pinsPath != "" {
		if pins, err = config.LoadPins(o.pinsPath); err != nil {
			return nil, nil, err
		}
	}
	return dir, pins, nil
}

// reload loads the configuration and pins again, logs what changed against
// the running tenants, and returns what to serve; on any problem it logs
// every error (with file and line) and reports false, and the running
// configuration stays.
func (o serveOptions) reload(log *slog.Logger, why string, running []attribution.Tenant, dir *attribution.Directory) (*config.Config, *attribution.Directory, *postfix.Pins, bool) {
	cfg := config.Default(connector.WithPrecedence(o.precedence))
	if o.configPath != "" {
		var err error
		if cfg, err = config.Load(o.configPath, connector.WithPrecedence(o.precedence)); err != nil {
			var list config.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					log.Error("reload: configuration error", "err", e.Error())
				}
			} else {
				log.Error("reload: configuration error", "err", err)
			}
			log.Error("reload failed; the running configuration stays", "config", o.configPath, "trigger", why)
			return nil, nil, nil, false
		}
	}
	if _, pins, err := o.build(cfg); err != nil {
		log.Error("reload failed; the running configuration stays", "err", err, "trigger", why)
		return nil, nil, nil, false
	} else {
		diff := diffTenants(running, cfg.Tenants)
		dir = applyDiff(dir, cfg, diff)
		log.Info("configuration reloaded", append(append([]any{"trigger", why}, o.describe(cfg, dir, pins)...), diff.logAttrs()...)...)
		return cfg, dir, pins, true
	}
}

func (o serveOptions) describe(cfg *config.Config, dir *attribution.Directory, pins *postfix.Pins) []any {
	attrs := []any{"config", cfg.Source, "tenants", dir.Len()}
	if o.tenant != "" {
		attrs = append(attrs, "tenant", o.tenant)
	}
	if pins != nil {
		attrs = append(attrs, "pins", o.pinsPath, "pinned", pins.Len())
	}
	return attrs
}
