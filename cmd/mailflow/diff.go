package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/internal/mailflowdiff"
)

// Exit codes of diff: a CI gate for configuration repositories.
const (
	exitNoChange     = 0
	exitDecisions    = 1
	diffMaxPerTenant = 20
)

// diffJSON is the output of `diff --json`.
type diffJSON struct {
	Old            string                `json:"old"`
	New            string                `json:"new"`
	ChangedTenants []string              `json:"changed_tenants"`
	Changes        []mailflowdiff.Change `json:"changes"`
	RecordDiff     string                `json:"record_diff"`
}

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff",
		"mailflow diff [--json] [--all] OLD NEW",
		`Compares two configurations (files or directories, any shape mailflow loads,
two exports of one tenant as well) by their decisions: every recipient name
region whose outbound connector, smart host or transport rule changes (exact
names, subtrees below a pattern, "everything else"), and every inbound session
(client IP range, certificate name, sender and recipient domain) whose tenant,
connector or per-recipient decision changes. The regions come from the
patterns of both configurations, so no change is missed. Then a unified diff
of the records of the tenants that changed.
Exit status: 0 no decision changes, 1 some do, 2 errors.`, stdout, stderr)
	jsonOut := fs.Bool("json", false, "print one JSON object: changed tenants, changes, record diff")
	all := fs.Bool("all", false, fmt.Sprintf("list every change (default: the first %d per tenant)", diffMaxPerTenant))
	paths, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(paths) != 2 {
		fmt.Fprintf(stderr, "mailflow diff: give two configurations, OLD and NEW (got %d)\n\n", len(paths))
		fs.usage(stderr)
		return exitUsage
	}
	oc, ok := loadConfig(paths[0], stderr)
	if !ok {
		return exitUsage
	}
	nc, ok := loadConfig(paths[1], stderr)
	if !ok {
		return exitUsage
	}
	rep := mailflowdiff.Compare(mailflowdiff.Side{Tenants: oc.Tenants, Directory: oc.Directory()},
		mailflowdiff.Side{Tenants: nc.Tenants, Directory: nc.Directory()})
	records := recordDiff(paths, oc.Tenants, nc.Tenants, rep.ChangedTenants)
	status = exitNoChange
	if len(rep.Changes) > 0 {
		status = exitDecisions
	}
	if *jsonOut {
		out := diffJSON{Old: paths[0], New: paths[1], ChangedTenants: rep.ChangedTenants, Changes: rep.Changes, RecordDiff: records}
		if out.ChangedTenants == nil {
			out.ChangedTenants = []string{}
		}
		if out.Changes == nil {
			out.Changes = []mailflowdiff.Change{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "mailflow diff: %v\n", err)
			return exitUsage
		}
		return status
	}
	writeDiffSummary(stdout, rep, *all)
	if records != "" {
		fmt.Fprintf(stdout, "\nRecords:\n%s", records)
	}
	return status
}

// writeDiffSummary prints the changes per tenant, most impactful first.
func writeDiffSummary(w io.Writer, rep *mailflowdiff.Report, all bool) {
	if len(rep.Changes) == 0 {
		if len(rep.ChangedTenants) == 0 {
			fmt.Fprintln(w, "no changes")
		} else {
			fmt.Fprintf(w, "no decision changes (records differ in %d tenant(s): %s)\n", len(rep.ChangedTenants), listSome(rep.ChangedTenants))
		}
		return
	}
	tenants := map[string]bool{}
	for _, c := range rep.Changes {
		tenants[c.Tenant] = true
	}
	fmt.Fprintf(w, "%d decision change(s) in %d tenant(s)\n", len(rep.Changes), len(tenants))
	for i := 0; i < len(rep.Changes); {
		t := rep.Changes[i].Tenant
		j := i
		for j < len(rep.Changes) && rep.Changes[j].Tenant == t {
			j++
		}
		fmt.Fprintf(w, "\ntenant %s: %d change(s)\n", t, j-i)
		shown := rep.Changes[i:j]
		if !all && len(shown) > diffMaxPerTenant {
			shown = shown[:diffMaxPerTenant]
		}
		for _, c := range shown {
			fmt.Fprintf(w, "  %-8s %s\n", c.Direction, c.Region)
			if c.Example != "" && c.Example != c.Region {
				fmt.Fprintf(w, "           e.g. %s\n", c.Example)
			}
			fmt.Fprintf(w, "           - %s\n           + %s\n", c.Old, c.New)
			if c.Sessions > 1 {
				fmt.Fprintf(w, "           (and %d more sessions change the same way)\n", c.Sessions-1)
			}
		}
		if len(shown) < j-i {
			fmt.Fprintf(w, "  ... and %d more (--all lists them)\n", j-i-len(shown))
		}
		i = j
	}
}

// recordDiff is the unified diff of the records of the changed tenants.
func recordDiff(paths []string, old, new []attribution.Tenant, changed []string) string {
	find := func(ts []attribution.Tenant, id string) []string {
		for _, t := range ts {
			if strings.EqualFold(t.ID, id) {
				return mailflowdiff.RecordLines(t)
			}
		}
		return nil
	}
	var b strings.Builder
	for _, id := range changed {
		b.WriteString(mailflowdiff.UnifiedDiff(paths[0]+" (tenant "+id+")", paths[1]+" (tenant "+id+")", find(old, id), find(new, id), 2))
	}
	return b.String()
}
