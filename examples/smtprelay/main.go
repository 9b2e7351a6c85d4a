// Command smtprelay is an example SMTP relay on github.com/emersion/go-smtp
// that decides every RCPT TO with mailflow, the way Exchange Online does
// (attribution.Directory.Attribute: tenant, inbound connector, deliver,
// relay or reject with the service's reply, such as "550 5.7.64 Relay
// Access Denied ATTR36"), and routes each accepted recipient through the
// outbound connector its tenant's table selects (connector.Table.Select).
//
// It accepts STARTTLS with a server certificate, and takes a client
// certificate into account only when it verifies against --client-ca
// (tls.VerifyClientCertIfGiven). Accepted messages are logged with their
// route, not sent on: a real relay would queue them in Backend.Deliver.
//
//	cd examples && go run ./smtprelay --config mailflow.yaml --listen 127.0.0.1:2525 \
//	    --cert server.crt --key server.key --client-ca ca.crt
//
// SIGHUP reloads --config; SIGINT or SIGTERM stop the server.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:2525", "address to listen on")
	cfgPath := flag.String("config", "", "mailflow configuration (YAML or JSON); default: the embedded example")
	certFile := flag.String("cert", "", "server certificate (PEM) for STARTTLS")
	keyFile := flag.String("key", "", "server key (PEM) for STARTTLS")
	clientCA := flag.String("client-ca", "", "CA certificates (PEM) that client certificates must chain to")
	hostname := flag.String("hostname", "relay.example", "host name in the greeting")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*listen, *cfgPath, *certFile, *keyFile, *clientCA, *hostname, log); err != nil {
		log.Error("smtprelay", "err", err)
		os.Exit(1)
	}
}

func loadDirectory(path string) (*attribution.Directory, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
	}
	return cfg.Directory(), nil
}

// tlsConfig makes the STARTTLS configuration: a server certificate, and
// client certificates verified against clientCA when one is presented.
func tlsConfig(certFile, keyFile, clientCA string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", clientCA)
		}
		c.ClientCAs = pool
		c.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return c, nil
}

// newServer makes the go-smtp server for a backend.
func newServer(b *Backend, hostname string, tc *tls.Config) *smtp.Server {
	s := smtp.NewServer(b)
	s.Domain = hostname
	s.TLSConfig = tc
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = time.Minute
	s.MaxMessageBytes = 35 << 20 // Exchange Online's default maximum
	s.MaxRecipients = 500
	return s
}

func run(listen, cfgPath, certFile, keyFile, clientCA, hostname string, log *slog.Logger) error {
	dir, err := loadDirectory(cfgPath)
	if err != nil {
		return err
	}
	tc, err := tlsConfig(certFile, keyFile, clientCA)
	if err != nil {
		return err
	}
	holder := attribution.NewHolder(dir)
	b := &Backend{
		Directory: holder,
		Logger:    log,
		Deliver: func(_ context.Context, e *Envelope) error {
			log.Info("message accepted (not sent on: this is an example)", "from", e.From, "tenant", e.Tenant, "recipients", len(e.Recipients), "bytes", len(e.Data))
			return nil
		},
	}
	s := newServer(b, hostname, tc)
	s.Addr = listen

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGHUP {
				if d, err := loadDirectory(cfgPath); err != nil {
					log.Error("reload failed; the running configuration stays", "err", err)
				} else {
					holder.Store(d)
					log.Info("configuration reloaded")
				}
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			s.Shutdown(ctx)
			cancel()
			return
		}
	}()
	log.Info("listening", "addr", listen, "tenants", dir.Len(), "starttls", tc != nil)
	if err := s.ListenAndServe(); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return err
	}
	return nil
}
