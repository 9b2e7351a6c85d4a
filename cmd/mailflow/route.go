package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// routeLine is one line of `route --json`.
type routeLine struct {
	Recipient  string   `json:"recipient"`
	Domain     *string  `json:"domain"`
	Tenant     string   `json:"tenant"`
	Connector  *string  `json:"connector"`
	Rule       *string  `json:"rule"`
	Pattern    *string  `json:"pattern"`
	SmartHosts []string `json:"smart_hosts,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	// TransportRule is the rule that certainly routes the recipient;
	// Rules are every rule that does or may (with their conditions).
	TransportRule *string                   `json:"transport_rule"`
	Rules         []attribution.RuleOutcome `json:"rules,omitempty"`
	Error         *string                   `json:"error"`
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func runRoute(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("route",
		"mailflow route [--config F] [--tenant ID] [--precedence most-specific|listed-order] [--from SENDER] [--client-ip IP] [--json] RECIPIENT...",
		`Selects the outbound connector for each recipient (an address, or a bare
domain) in the tenant's outbound connector table, and says why. The tenant's enabled
transport rules in Enforce mode are evaluated first, in priority order: a
rule with RouteMessageOutboundConnector that matches overrides the
recipient-domain choice; conditions the envelope cannot show (groups,
headers) are stated as "only if".`, stdout, stderr)
	cfgPath := fs.String("config", "", configHelp)
	tenantID := fs.String("tenant", "", "sending tenant whose outbound connectors route the mail (default: the only\ntenant, or else the tenant that accepts each recipient's domain)")
	precedence := fs.String("precedence", "most-specific", "order of the rules: most-specific (exact, longest wildcard, all accepted\ndomains, *) or listed-order (exact, all accepted domains, wildcard, *)")
	jsonOut := fs.Bool("json", false, "print one JSON object per recipient")
	from := fs.String("from", "", "MAIL FROM of the message, for the transport rules' sender conditions")
	clientIP := fs.String("client-ip", "", "address of the last hop before the service, for SenderIpRanges")
	recipients, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(recipients) == 0 {
		fmt.Fprintln(stderr, "mailflow route: give at least one recipient address or domain")
		fmt.Fprintln(stderr)
		fs.usage(stderr)
		return exitUsage
	}
	prec, err := connector.ParsePrecedence(*precedence)
	if err != nil {
		fmt.Fprintf(stderr, "mailflow route: --precedence: %v\n", err)
		return exitUsage
	}
	var ip netip.Addr
	if *clientIP != "" {
		if ip, err = netip.ParseAddr(*clientIP); err != nil {
			fmt.Fprintf(stderr, "mailflow route: --client-ip: %v\n", err)
			return exitUsage
		}
	}
	cfg, ok := loadConfig(*cfgPath, stderr, connector.WithPrecedence(prec))
	if !ok {
		return exitUsage
	}
	dir := cfg.Directory()
	// The sending tenant: --tenant, the only tenant, or else, for each
	// recipient, the tenant that accepts its domain.
	fixed := *tenantID
	if fixed == "" && dir.Len() == 1 {
		fixed = dir.Tenants()[0]
	}
	if fixed != "" {
		id, ok := dir.TenantID(fixed) // IDs compare ignoring case
		if !ok {
			fmt.Fprintf(stderr, "mailflow route: no tenant %q in the configuration (tenants: %s)\n", fixed, listSome(dir.Tenants()))
			return exitUsage
		}
		fixed = id
	}

	status = exitOK
	var lines []routeLine
	for _, rcpt := range recipients {
		line := routeLine{Recipient: rcpt, Tenant: fixed}
		d, err := recipientDomain(rcpt)
		if err == nil && line.Tenant == "" {
			if owner, _, ok := dir.Owner(d); ok {
				line.Tenant = owner
			} else {
				err = fmt.Errorf("no tenant accepts %s: name the sending tenant with --tenant (%s)", d, listSome(dir.Tenants()))
			}
		}
		if err != nil {
			line.Error = ptr(err.Error())
			status = exitUsage
			lines = append(lines, line)
			continue
		}
		env := attribution.Envelope{Recipient: attribution.ParseAddress(rcpt), ClientIP: ip}
		if !strings.Contains(rcpt, "@") { // a bare domain: any address in it
			env.Recipient = attribution.ParseAddress("postmaster@" + d.String())
		}
		if *from != "" {
			env.Sender = attribution.ParseAddress(*from)
		}
		rex, _ := dir.ExplainRoute(line.Tenant, env)
		ex := rex.Domain
		line.Domain = ptr(d.String())
		line.Rule = ptr(ex.Selection.Rule().String())
		line.Pattern = ptr(ex.Selection.Pattern().String())
		line.Reason = rex.Reason
		line.Rules = rex.Rules
		c := ex.Selection.Connector()
		if rex.Decided >= 0 {
			line.TransportRule = ptr(rex.Rules[rex.Decided].Rule)
			line.Rule, line.Pattern = ptr("transport-rule"), nil
			c = rex.Connector
		}
		if c != nil {
			line.Connector = ptr(c.Name)
			for _, h := range c.SmartHosts {
				line.SmartHosts = append(line.SmartHosts, h.String())
			}
		}
		lines = append(lines, line)
	}

	if *jsonOut {
		enc := json.NewEncoder(stdout)
		for _, l := range lines {
			if err := enc.Encode(l); err != nil {
				fmt.Fprintf(stderr, "mailflow route: %v\n", err)
				return exitUsage
			}
		}
		return status
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, l := range lines {
		if l.Error != nil {
			fmt.Fprintf(tw, "%s\terror: %s\n", l.Recipient, *l.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\n", l.Recipient, l.Reason)
	}
	tw.Flush()
	return status
}

// recipientDomain takes the domain of an address, or a bare domain.
func recipientDomain(s string) (domain.Name, error) {
	if !strings.Contains(s, "@") && !strings.HasPrefix(s, "<") {
		return domain.Parse(s)
	}
	return domain.FromAddress(s)
}

func listSome(ids []string) string {
	if len(ids) > 10 {
		return strings.Join(ids[:10], ", ") + fmt.Sprintf(", and %d more", len(ids)-10)
	}
	return strings.Join(ids, ", ")
}
