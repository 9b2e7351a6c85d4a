package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/connector"
)

// stringList is a flag that may be repeated: --rcpt a --rcpt b.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// flagSet is a command's flags and its usage text. Help asked for
// (--help, or "mailflow help CMD") goes to standard output with exit 0;
// a usage error goes to standard error with exit 2.
type flagSet struct {
	*flag.FlagSet
	synopsis, about string
	stdout, stderr  io.Writer
}

func newFlagSet(name, synopsis, about string, stdout, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr) // the flag package's own error messages
	fs.Usage = func() {} // printed by parse, to the right stream
	return &flagSet{FlagSet: fs, synopsis: synopsis, about: about, stdout: stdout, stderr: stderr}
}

// usage prints the command's usage text to w.
func (f *flagSet) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", f.synopsis, f.about)
	f.SetOutput(w)
	f.PrintDefaults()
	f.SetOutput(f.stderr)
}

// parse parses flags anywhere among the arguments ("route a@b --json" as
// well as "route --json a@b") and returns the positional arguments; "--"
// ends the flags. When it returns false the command is over with the
// status given: help was printed, or the flags were wrong.
func (f *flagSet) parse(args []string) ([]string, int, bool) {
	var positional []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.usage(f.stdout)
				return nil, exitOK, false
			}
			fmt.Fprintln(f.stderr)
			f.usage(f.stderr)
			return nil, exitUsage, false
		}
		rest := f.Args()
		if len(rest) == 0 {
			return positional, 0, true
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), 0, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// loadConfig loads the file named by --config, or the embedded default,
// building its directory once with opts. Problems go to stderr: a file that
// cannot be read says so ("no such file or directory"); a file that does
// not load lists every error with its coordinates.
func loadConfig(path string, stderr io.Writer, opts ...connector.Option) (*config.Config, bool) {
	if path == "" {
		return config.Default(opts...), true
	}
	c, err := config.Load(path, opts...)
	if err == nil {
		return c, true
	}
	var list config.ErrorList
	var perr *fs.PathError
	switch {
	case errors.As(err, &list):
		fmt.Fprintf(stderr, "mailflow: configuration %s is not valid (%d problem(s)):\n", path, len(list))
		for _, e := range list {
			fmt.Fprintf(stderr, "  %s\n", e)
		}
	case errors.As(err, &perr):
		fmt.Fprintf(stderr, "mailflow: cannot read configuration %s: %v\n", path, perr.Err)
	default:
		fmt.Fprintf(stderr, "mailflow: configuration %s: %v\n", path, err)
	}
	return nil, false
}

const configHelp = `path to a YAML or JSON configuration (Exchange Online parameter names), or
a directory whose .yaml, .yml and .json files are merged (one per tenant, say);
default: the embedded example (tenant contoso)`

// checkPort refuses a port number outside 1–65535.
func checkPort(flagName string, p int) error {
	if p < 1 || p > 65535 {
		return fmt.Errorf("--%s %d is not a port (1-65535)", flagName, p)
	}
	return nil
}
