package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
)

// This file builds the Directory and maps what attribution.NewDirectory
// refuses back to the files, lines and names the values came from. The
// errors carry their tenant index and field path as values
// (attribution.ConfigError, attribution.OwnershipError), so the mapping
// reads fields and never parses messages.

// locator finds where a configuration path was read from.
type locator struct {
	pos    map[string]loc
	source string // the configuration file, for paths never read
}

// errorAt returns an Error for configuration path cfg, placed at cfg or at
// its nearest ancestor that was read from a file.
func (l locator) errorAt(cfg, msg string, err error) *Error {
	for q := cfg; ; q = parentPath(q) {
		if p, ok := l.pos[q]; ok {
			disp := p.disp + cfg[len(q):]
			disp = strings.TrimPrefix(disp, ".")
			return &Error{File: p.file, Path: disp, Line: p.line, Column: p.col, Msg: msg, err: err, cfg: cfg, order: p.order}
		}
		if q == "" {
			break
		}
	}
	return &Error{File: l.source, Path: cfg, Msg: msg, err: err, cfg: cfg}
}

// location returns where configuration path cfg was read from.
func (l locator) location(cfg string) Location {
	e := l.errorAt(cfg, "", nil)
	return Location{File: e.File, Line: e.Line, Column: e.Column, Path: e.Path}
}

// parentPath drops the last ".Field" or "[i]" of a path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func tenantPath(i int) string { return "Tenants[" + strconv.Itoa(i) + "]" }

// buildPaths returns the configuration paths the errors of
// attribution.NewDirectory (err) are placed at.
func buildPaths(err error) []string {
	var paths []string
	for _, e := range unjoin(err) {
		var ce *attribution.ConfigError
		var oe *attribution.OwnershipError
		switch {
		case errors.As(e, &oe):
			paths = append(paths, claimPath(oe.First), claimPath(oe.Second))
		case errors.As(e, &ce):
			path := tenantPath(ce.TenantIndex)
			if ce.Field != "" {
				path += "." + ce.Field
			}
			paths = append(paths, path)
		default:
			paths = append(paths, "Tenants")
		}
	}
	return paths
}

// locate decodes the configuration once more (again) recording where the
// paths the build's errors (err) name, and their ancestors, were read
// from: the first decode records no positions.
func locate(err error, read func(string) ([]byte, error), again func(*state) []attribution.Tenant, source string) locator {
	want := map[string]bool{}
	for _, p := range buildPaths(err) {
		for q := p; !want[q]; q = parentPath(q) {
			want[q] = true
			if q == "" {
				break
			}
		}
	}
	st := newState(read)
	st.pos, st.want = map[string]loc{}, want
	again(st)
	return locator{pos: st.pos, source: source}
}

// mapBuildErrors maps the errors of attribution.NewDirectory to where
// they were read from.
func mapBuildErrors(err error, l locator) ErrorList {
	var errs ErrorList
	for _, e := range unjoin(err) {
		var ce *attribution.ConfigError
		var oe *attribution.OwnershipError
		switch {
		case errors.As(e, &oe):
			errs = append(errs, l.ownership(oe))
		case errors.As(e, &ce):
			path := tenantPath(ce.TenantIndex)
			if ce.Field != "" {
				path += "." + ce.Field
			}
			x := l.errorAt(path, ce.Msg, ce)
			x.Tenant, x.Connector = ce.Tenant, ce.Connector
			errs = append(errs, x)
		default:
			errs = append(errs, l.errorAt("Tenants", e.Error(), e))
		}
	}
	return errs
}

func claimPath(c attribution.DomainClaim) string {
	return tenantPath(c.TenantIndex) + ".AcceptedDomains[" + strconv.Itoa(c.Index) + "].DomainName"
}

// ownership reports a name owned by two tenants at the second claim, with
// where the first was read from.
func (l locator) ownership(oe *attribution.OwnershipError) *Error {
	first := l.location(claimPath(oe.First))
	msg := fmt.Sprintf("accepted domain %s conflicts with %s at %s: %s", oe.Second, oe.First, first, oe.Reason())
	e := l.errorAt(claimPath(oe.Second), msg, oe)
	e.Tenant = oe.Second.Tenant
	e.Related = []Location{first}
	return e
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// nameErrors fills in the tenant ID and connector Name of every error, from the
// loaded tenants and the error's configuration path
// ("Tenants[2].OutboundConnectors[1]…", indexes into the loaded lists).
func nameErrors(errs ErrorList, tenants []attribution.Tenant) {
	for _, e := range errs {
		ti, list, ri, ok := coordinates(e.cfg)
		if !ok || ti >= len(tenants) {
			continue
		}
		t := &tenants[ti]
		if e.Tenant == "" {
			e.Tenant = t.ID
		}
		if e.Connector != "" || ri < 0 {
			continue
		}
		switch {
		case list == "InboundConnectors" && ri < len(t.InboundConnectors):
			e.Connector = t.InboundConnectors[ri].Name
		case list == "OutboundConnectors" && ri < len(t.OutboundConnectors):
			e.Connector = t.OutboundConnectors[ri].Name
		}
	}
}

// coordinates reads a configuration path of this package's own making:
// "Tenants[ti].List[ri]…" gives ti, List and ri; "Tenants[ti].Field" gives
// ri -1.
func coordinates(cfg string) (ti int, list string, ri int, ok bool) {
	rest, found := strings.CutPrefix(cfg, "Tenants[")
	if !found {
		return 0, "", 0, false
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return 0, "", 0, false
	}
	ti, err := strconv.Atoi(rest[:end])
	if err != nil {
		return 0, "", 0, false
	}
	rest = strings.TrimPrefix(rest[end+1:], ".")
	open := strings.IndexByte(rest, '[')
	close := strings.IndexByte(rest, ']')
	if open < 0 || close < open {
		return ti, "", -1, true
	}
	ri, err = strconv.Atoi(rest[open+1 : close])
	if err != nil {
		return ti, "", -1, true
	}
	return ti, rest[:open], ri, true
}

// taintIndex answers taints for many semantic errors in time linear in
// the paths: the decoding errors' paths, with every ancestor of each, and
// the exact paths.
type taintIndex struct{ below, exact map[string]bool }

func newTaintIndex(decodeErrs ErrorList) taintIndex {
	ix := taintIndex{below: map[string]bool{}, exact: map[string]bool{}}
	for _, d := range decodeErrs {
		ix.exact[d.cfg] = true
		for q := d.cfg; ; q = parentPath(q) {
			if ix.below[q] {
				break
			}
			ix.below[q] = true
			if q == "" {
				break
			}
		}
	}
	return ix
}

// taints reports whether semantic error e concerns a record that already
// has a decoding error (one at, above or below the record): a record that
// did not decode fully can break rules only because of what is missing.
func (ix taintIndex) taints(e *Error) bool {
	rec := recordOf(e.cfg)
	if ix.below[rec] {
		return true // a decoding error at or below the record
	}
	for q := rec; ; q = parentPath(q) {
		if ix.exact[q] {
			return true // a decoding error above it
		}
		if q == "" {
			return false
		}
	}
}

// recordOf returns the record a configuration path lies in:
// "Tenants[0].OutboundConnectors[1]" for any path below it,
// "Tenants[0].Id" for a tenant's own fields.
func recordOf(p string) string {
	depth := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '.' || p[i] == '[' {
			depth++
			if depth == 4 {
				return p[:i]
			}
		}
	}
	return p
}
