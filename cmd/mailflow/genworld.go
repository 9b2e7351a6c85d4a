package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mailflow-go/mailflow/internal/world"
)

const genWorldAbout = `Writes a generated configuration of N tenants, the world the benchmarks
measure, so that anyone can reproduce their numbers through the CLI: accepted
domains over mixed TLDs (one tenant in ten with a MatchSubDomains relay
domain), hybrid OnPremises connectors by certificate, by IPv4 or IPv6 address
or both, Partner connectors with exact and wildcard patterns, "*" smart hosts,
Partner inbound connectors restricted to an IP or a certificate. The world is
a pure function of N and --seed: the world of 1,000 tenants is the first 1,000
of the world of 1,000,000. The output loads with --config.

Without -o it writes to standard output. With --split, -o names a directory
that gets one file per tenant (tenant-ID.yaml or .json), for --config DIR.
Progress goes to standard error for large N.`

// progressEvery is how many tenants gen-world writes between two progress
// lines, and the least N that gets them.
const progressEvery = 100_000

func runGenWorld(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("gen-world", "mailflow gen-world N [-o FILE|DIR] [--seed S] [--format yaml|json|json-compact] [--split]",
		genWorldAbout, stdout, stderr)
	out := fs.String("o", "", "output file (directory with --split); default: standard output")
	seed := fs.Uint64("seed", world.Seed, "seed of the world")
	formatName := fs.String("format", "yaml", "yaml, json (indented) or json-compact (one line)")
	split := fs.Bool("split", false, "write one file per tenant into the directory -o names")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mailflow gen-world: "+format+"\n", a...)
		return exitUsage
	}
	if len(rest) != 1 {
		return usageErr("give the number of tenants, N (1 … %d)", world.MaxTenants)
	}
	n, err := strconv.Atoi(rest[0])
	if err != nil || n < 0 || n > world.MaxTenants {
		return usageErr("N %q: want a number of tenants, 0 … %d", rest[0], world.MaxTenants)
	}
	format, err := world.ParseFormat(*formatName)
	if err != nil {
		return usageErr("--%v", err)
	}
	if *split && *out == "" {
		return usageErr("--split needs -o DIR")
	}
	g := world.NewGenerator(*seed)
	progress := newProgress(n, stderr)
	if *split {
		err = writeSplit(*out, n, g, format, progress)
	} else {
		err = writeOne(*out, n, g, format, stdout, progress)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailflow gen-world: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// writeOne writes the world as one file, or to stdout when path is empty.
func writeOne(path string, n int, g *world.Generator, format world.Format, stdout io.Writer, progress func(int)) error {
	w := stdout
	var f *os.File
	if path != "" {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	enc := world.NewEncoder(w, format)
	for i := range n {
		t, _ := g.Tenant(i)
		if err := enc.Encode(t); err != nil {
			return err
		}
		progress(i + 1)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if f != nil {
		return f.Close()
	}
	return nil
}

// writeSplit writes one file per tenant into dir, made if missing.
func writeSplit(dir string, n int, g *world.Generator, format world.Format, progress func(int)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range n {
		t, _ := g.Tenant(i)
		f, err := os.Create(filepath.Join(dir, "tenant-"+t.ID+format.Ext()))
		if err != nil {
			return err
		}
		enc := world.NewEncoder(f, format)
		err = enc.Encode(t)
		if err == nil {
			err = enc.Close()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		progress(i + 1)
	}
	return nil
}

// newProgress returns a function to call after each tenant written: for
// n ≥ progressEvery it prints a line every progressEvery tenants.
func newProgress(n int, stderr io.Writer) func(done int) {
	if n < progressEvery {
		return func(int) {}
	}
	start := time.Now()
	return func(done int) {
		if done%progressEvery == 0 || done == n {
			fmt.Fprintf(stderr, "mailflow gen-world: %d/%d tenants (%s)\n", done, n, time.Since(start).Round(time.Millisecond))
		}
	}
}
