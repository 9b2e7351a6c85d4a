package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

func runAttribute(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("attribute",
		"mailflow attribute [--config F] --ip IP [--cert-name N]... [--cert FILE.pem] [--port 25|587]\n"+
			"                          [--tls none|1.0|1.1|1.2|1.3] [--auth USER] --mail-from ADDR --rcpt ADDR... [--json]",
		`Attributes an SMTP session to a tenant and inbound connector, the way
Exchange Online does (certificate domain, then MAIL FROM, then RCPT TO),
and decides each recipient: deliver, relay or reject with the SMTP reply.
Recipients may also be given as arguments after the flags.`, stdout, stderr)
	cfgPath := fs.String("config", "", configHelp)
	ipFlag := fs.String("ip", "", "client IP address of the sending server (required)")
	var certNames, rcpts stringList
	fs.Var(&certNames, "cert-name", "a name (CN or DNS SAN) of the client certificate; repeatable.\nThe certificate is taken as presented and verified")
	certFile := fs.String("cert", "", "PEM file holding the client certificate (its CN and DNS SANs are used;\nit is taken as verified)")
	port := fs.Int("port", 25, "local port the client connected to: 25, or 587 for submission")
	tlsFlag := fs.String("tls", "", "TLS version of the session: none, 1.0, 1.1, 1.2 or 1.3\n(default: 1.2 when a certificate is given, else none)")
	auth := fs.String("auth", "", "authenticated SMTP AUTH user (a mailbox address), for client submission")
	mailFrom := fs.String("mail-from", "", "envelope sender (MAIL FROM); '<>' for the null sender of bounces (required)")
	fs.Var(&rcpts, "rcpt", "envelope recipient (RCPT TO); repeatable (required)")
	jsonOut := fs.Bool("json", false, "print the result as one JSON object")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	rcpts = append(rcpts, rest...)

	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mailflow attribute: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case *ipFlag == "":
		return usageErr("--ip is required (the client IP of the session)")
	case *mailFrom == "":
		return usageErr("--mail-from is required; use '<>' for the null sender")
	case len(rcpts) == 0:
		return usageErr("give at least one --rcpt")
	}
	if err := checkPort("port", *port); err != nil {
		return usageErr("%v", err)
	}
	ip, err := netip.ParseAddr(*ipFlag)
	if err != nil {
		return usageErr("--ip %q is not an IP address", *ipFlag)
	}
	s := &attribution.Session{
		ClientIP: ip,
		Port:     *port,
		MailFrom: attribution.ParseAddress(*mailFrom),
		RcptTo:   attribution.ParseAddresses(rcpts...),
	}
	if err := s.MailFrom.Err; err != nil && !s.MailFrom.IsNull() {
		return usageErr("--mail-from: %v", err)
	}
	if *auth != "" {
		s.AuthUser = attribution.ParseAddress(*auth)
		if s.AuthUser.Err != nil {
			return usageErr("--auth: %v", s.AuthUser.Err)
		}
	}
	names := []string(certNames)
	if *certFile != "" {
		fromFile, err := namesFromPEM(*certFile)
		if err != nil {
			return usageErr("--cert: %v", err)
		}
		names = append(names, fromFile...)
	}
	if len(names) > 0 {
		if s.Certificate, err = certmatch.ParseNames(names...); err != nil {
			return usageErr("certificate names: %v", err)
		}
	}
	tlsName := *tlsFlag
	if tlsName == "" {
		tlsName = "none"
		if len(names) > 0 {
			tlsName = "1.2"
		}
	}
	if s.TLSVersion, err = attribution.ParseTLSVersion(tlsName); err != nil {
		return usageErr("--tls: %v", err)
	}
	if len(names) > 0 && s.TLSVersion == 0 {
		return usageErr("a client certificate needs TLS: drop --tls none")
	}

	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return exitUsage
	}
	var r attribution.Result
	out := policyview.AnswerAttribute(cfg.Directory(), s, &r)

	if *jsonOut {
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			fmt.Fprintf(stderr, "mailflow attribute: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	printAttribution(stdout, s, &r, out)
	return exitOK
}

func printAttribution(w io.Writer, s *attribution.Session, r *attribution.Result, out policyview.AttributeAnswer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	session := s.ClientIP.String() + " port " + strconv.Itoa(s.Port) + ", TLS " + attribution.TLSVersionName(s.TLSVersion)
	if s.Certificate.Len() > 0 {
		session += ", certificate " + s.Certificate.String()
	}
	if s.AuthUser.Text != "" {
		session += ", AUTH " + s.AuthUser.Text
	}
	session += ", MAIL FROM " + s.MailFrom.Text
	fmt.Fprintf(tw, "session\t%s\n", session)
	tenant := "none"
	if r.Tenant != "" {
		tenant = r.Tenant + " (by " + r.Basis.String() + ")"
	}
	fmt.Fprintf(tw, "tenant\t%s\n", tenant)
	conn := "none"
	if r.Connector != nil {
		conn = r.Connector.Name + " (" + r.Connector.ConnectorType.String() + ")"
	}
	fmt.Fprintf(tw, "connector\t%s\n", conn)
	fmt.Fprintf(tw, "path\t%s\n", r.Path)
	if len(out.Warnings) > 0 {
		fmt.Fprintf(tw, "warnings\t%s\n", strings.Join(out.Warnings, ", "))
	}
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, rc := range out.Recipients {
		why := rc.Reason
		if rc.Route != nil {
			why += "; outbound connector " + *rc.Route
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rc.Address, rc.Disposition, rc.Reply, why)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nwhy:")
	for i, step := range r.Steps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, step)
	}
}

// namesFromPEM reads the first certificate of a PEM file and returns its
// CN and DNS SANs.
func namesFromPEM(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("%s holds no PEM CERTIFICATE block", path)
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		names := certmatch.FromCertificate(cert)
		var out []string
		for n := range names.All() {
			out = append(out, n.String())
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: the certificate has no usable DNS name in its CN or SANs", path)
		}
		return out, nil
	}
}
