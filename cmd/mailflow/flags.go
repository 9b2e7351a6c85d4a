package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mailflow-go/mailflow/config"
)

// stringList is a flag that may be repeated: --rcpt a --rcpt b.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// newFlagSet returns a FlagSet that reports errors instead of exiting,
// with a usage text for the command.
func newFlagSet(name, synopsis, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s\n\nFlags:\n", synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags anywhere among the arguments ("route
// a@b --json" as well as "route --json a@b") and returns the positional
// arguments. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagError reports a usage problem: help was asked for (exit 0) or the
// flags were wrong (exit 2; the flag package already said why).
func flagError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// loadConfig loads the file named by --config, or the embedded default.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	if path == "" {
		return config.Default(), true
	}
	c, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "mailflow: configuration %s is not valid:\n", path)
		var list config.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintf(stderr, "  %s\n", e)
			}
		} else {
			fmt.Fprintf(stderr, "  %s\n", err)
		}
		return nil, false
	}
	return c, true
}

const configHelp = `path to a YAML or JSON configuration (Exchange Online parameter names);
default: the embedded example (tenant contoso)`
