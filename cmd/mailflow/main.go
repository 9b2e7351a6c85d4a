// Command mailflow answers, for a multi-tenant mail configuration in
// Exchange Online's terms, which connector carries a recipient (route),
// whose an SMTP session is and what happens to each recipient (attribute),
// and whether the connectors are healthy (lint); and it answers Postfix's
// policy and transport lookups as a long-running service (serve).
//
// Usage:
//
//	mailflow route     [--config F] [--tenant ID] [--precedence most-specific|listed-order] [--json] RECIPIENT...
//	mailflow attribute [--config F] --ip IP [--cert-name N]... [--cert FILE.pem] [--port 25|587]
//	                   [--tls none|1.0|1.1|1.2|1.3] [--auth USER] --mail-from ADDR --rcpt ADDR... [--json]
//	mailflow lint      [--config F] [--json]
//	mailflow serve     [--config F] [--policy ADDR] [--socketmap ADDR] [--tcp-table ADDR] [--tenant ID] [--pins FILE] ...
//
// Without --config, mailflow uses an embedded default configuration: the
// worked example of Microsoft's connector article (tenant contoso, three
// outbound connectors) plus a certificate-based hybrid inbound connector.
//
// Exit status: 0 when all went well, 1 when lint found errors (serve: when
// a listener failed), 2 for bad usage, bad input or a bad configuration.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes of the command line contract.
const (
	exitOK         = 0
	exitLintErrors = 1
	exitUsage      = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `mailflow: mail routing and tenant attribution, the way Exchange Online does it

Usage:
  mailflow route     [--config F] [--tenant ID] [--precedence most-specific|listed-order] [--json] RECIPIENT...
  mailflow attribute [--config F] --ip IP [--cert-name N]... [--cert FILE.pem] [--port 25|587]
                     [--tls none|1.0|1.1|1.2|1.3] [--auth USER] --mail-from ADDR --rcpt ADDR... [--json]
  mailflow lint      [--config F] [--json]
  mailflow serve     [--config F] [--policy ADDR] [--socketmap ADDR] [--tcp-table ADDR]
                     [--tenant ID] [--pins FILE] [--next-hop-port N] [--log-level L] ...

Commands:
  route      which outbound connector carries each recipient, and why
  attribute  which tenant and inbound connector an SMTP session belongs to,
             and whether each recipient is delivered, relayed or rejected
  lint       configuration problems: shared IPs and certificates, ATTR36 traps, ...
  serve      Postfix policy service (check_policy_service) and transport table
             (socketmap, tcp_table); SIGHUP reloads the configuration

Without --config the embedded default configuration is used (see
'mailflow route --help'). Run 'mailflow COMMAND --help' for a command's flags.
Exit status: 0 fine, 1 lint errors (serve: a listener failed), 2 bad usage,
input or configuration.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "route":
		return runRoute(args[1:], stdout, stderr)
	case "attribute":
		return runAttribute(args[1:], stdout, stderr)
	case "lint":
		return runLint(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "mailflow: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
