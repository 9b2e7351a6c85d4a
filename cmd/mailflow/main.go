// Command mailflow answers, for a multi-tenant mail configuration in
// Exchange Online's terms, which connector carries a recipient (route),
// whose an SMTP session is and what happens to each recipient (attribute),
// and whether the connectors are healthy (lint); it writes generated
// configurations of any size (gen-world); and it answers Postfix's
// policy and transport lookups as a long-running service (serve).
//
// Usage:
//
//	mailflow route     [--config F] [--tenant ID] [--precedence most-specific|listed-order] [--json] RECIPIENT...
//	mailflow attribute [--config F] --ip IP [--cert-name N]... [--cert FILE.pem] [--port 25|587]
//	                   [--tls none|1.0|1.1|1.2|1.3] [--auth USER] --mail-from ADDR --rcpt ADDR... [--json]
//	mailflow lint      [--config F] [--json]
//	mailflow serve     [--config F] [--policy ADDR] [--socketmap ADDR] [--tcp-table ADDR] [--tenant ID] [--pins FILE] ...
//	mailflow gen-world N [-o FILE|DIR] [--seed S] [--format yaml|json|json-compact] [--split]
//	mailflow diff      [--json] [--all] OLD NEW
//	mailflow db migrate --db URL
//	mailflow version
//	mailflow help [COMMAND]
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
	"runtime/debug"
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
  mailflow gen-world N [-o FILE|DIR] [--seed S] [--format yaml|json|json-compact] [--split]
  mailflow diff      [--json] [--all] OLD NEW
  mailflow db migrate --db URL
  mailflow version
  mailflow help [COMMAND]

Commands:
  route      which outbound connector carries each recipient, and why
  attribute  which tenant and inbound connector an SMTP session belongs to,
             and whether each recipient is delivered, relayed or rejected
  lint       configuration problems: shared IPs and certificates, ATTR36 traps, ...
  serve      Postfix policy service (check_policy_service) and transport table
             (socketmap, tcp_table); reloads on SIGHUP and when --config changes
  gen-world  a generated configuration of N tenants, to measure at scale
  diff       which decisions change between two configurations (exit 1 if any)
  db         migrate the PostgreSQL tenant store (issue 15)
  version    the module version, VCS revision and Go version of this binary
  help       this text, or a command's ('mailflow help route' = 'mailflow route --help')

Without --config the embedded default configuration is used (see
'mailflow route --help'). Run 'mailflow COMMAND --help' for a command's flags.
Exit status: 0 fine, 1 lint errors (serve: a listener failed), 2 bad usage,
input or configuration.
`

// commands are the subcommands, by name.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"route":     runRoute,
	"attribute": runAttribute,
	"lint":      runLint,
	"serve":     runServe,
	"gen-world": runGenWorld,
	"diff":      runDiff,
	"graph":     runGraph,
	"db":        runDB,
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(args[1:], stdout, stderr)
	}
	switch args[0] {
	case "version", "-version", "--version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "mailflow version: unexpected argument %q\n", args[1])
			return exitUsage
		}
		fmt.Fprintln(stdout, versionText())
		return exitOK
	case "help", "-h", "-help", "--help":
		switch {
		case len(args) == 1:
			fmt.Fprint(stdout, usage)
			return exitOK
		case len(args) > 2:
			fmt.Fprintf(stderr, "mailflow help: give one command, got %d\n", len(args)-1)
			return exitUsage
		}
		if cmd, ok := commands[args[1]]; ok {
			return cmd([]string{"--help"}, stdout, stderr)
		}
		if args[1] == "version" || args[1] == "help" {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		fmt.Fprintf(stderr, "mailflow help: unknown command %q\n\n%s", args[1], usage)
		return exitUsage
	}
	fmt.Fprintf(stderr, "mailflow: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// versionText describes the binary from its build information: "mailflow
// v1.2.3 (revision 8b88c59…, 2026-12-04T19:00:00Z) go1.26.8". A binary
// built from a work tree says "(devel)", and "modified" when the tree had
// uncommitted changes.
func versionText() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "mailflow (no build information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	out := "mailflow " + v
	if rev != "" {
		out += " (revision " + rev
		if when != "" {
			out += ", " + when
		}
		out += modified + ")"
	}
	return out + " " + info.GoVersion
}
