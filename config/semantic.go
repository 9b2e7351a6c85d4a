package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// This file builds the Directory and maps what attribution.NewDirectory
// refuses back to the paths, files and lines the values came from.

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

// parentPath drops the last ".Field" or "[i]" of a path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// build builds the Directory for tenants, or returns every problem, mapped
// to where it was read from.
func build(tenants []attribution.Tenant, opts []connector.Option, l locator) (*attribution.Directory, ErrorList) {
	dir, err := attribution.NewDirectory(tenants, opts...)
	if err == nil {
		return dir, nil
	}
	// The joined errors name tenants by ID, which need not be unique, and
	// outbound connectors by name: build each tenant alone to know which
	// tenant is at fault, and check what spans tenants here.
	m := &mapper{locator: l}
	for i, t := range tenants {
		tp := "Tenants[" + strconv.Itoa(i) + "]"
		_, err := attribution.NewDirectory([]attribution.Tenant{t}, opts...)
		for _, e := range unjoin(err) {
			var ce *attribution.ConfigError
			if errors.As(e, &ce) {
				m.configError(tp, t, ce)
			} else {
				m.add(tp, trimPkg(e.Error()), e)
			}
		}
	}
	m.acrossTenants(tenants)
	if len(m.errs) == 0 { // not explained tenant by tenant: report as is
		for _, e := range unjoin(err) {
			m.add("Tenants", trimPkg(e.Error()), e)
		}
	}
	return nil, m.errs
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

type mapper struct {
	locator
	errs ErrorList
}

func (m *mapper) add(cfg, msg string, err error) {
	m.errs = append(m.errs, m.errorAt(cfg, trimPkg(msg), err))
}

// configError maps one error of tenant tp.
func (m *mapper) configError(tp string, t attribution.Tenant, ce *attribution.ConfigError) {
	path := tp + "." + ce.Field
	switch {
	case ce.Field == "OutboundConnectors":
		m.outbound(tp, t, ce)
	case strings.HasPrefix(ce.Field, "InboundConnectors["):
		var list connector.ErrorList
		if errors.As(ce.Err, &list) {
			for _, e := range list {
				var ve *connector.ValidationError
				if errors.As(e, &ve) {
					m.add(path+"."+ve.Field, ve.Msg, ve)
				} else {
					m.add(path, trimPkg(e.Error()), e)
				}
			}
			return
		}
		if strings.Contains(ce.Msg, "connector name") {
			path += ".Name"
		}
		m.add(path, ce.Msg, ce)
	case strings.HasPrefix(ce.Field, "AcceptedDomains["):
		switch {
		case strings.Contains(ce.Msg, "MatchSubDomains"):
			path += ".MatchSubDomains"
		case strings.Contains(ce.Msg, "DomainType"):
			path += ".DomainType"
		default:
			path += ".DomainName"
		}
		m.add(path, trimPkg(ce.Msg), ce)
	default:
		m.add(path, ce.Msg, ce)
	}
}

// outbound maps the errors of a tenant's outbound table. connector.NewTable
// names connectors by Name only, so validation is redone connector by
// connector, duplicate names are found here, and each conflict is matched
// to its connector by the order NewTable reports them in.
func (m *mapper) outbound(tp string, t attribution.Tenant, ce *attribution.ConfigError) {
	lp := tp + ".OutboundConnectors"
	var list connector.ErrorList
	if !errors.As(ce.Err, &list) {
		m.add(lp, trimPkg(ce.Msg), ce)
		return
	}
	conns := t.OutboundConnectors
	cp := func(j int) string { return lp + "[" + strconv.Itoa(j) + "]" }

	type key struct{ conn, field, msg string }
	explained := map[key]bool{}
	byName := map[string]int{}
	for j, c := range conns {
		if err := c.Validate(); err != nil {
			var l connector.ErrorList
			errors.As(err, &l)
			for _, e := range l {
				if ve, ok := e.(*connector.ValidationError); ok {
					explained[key{ve.Connector, ve.Field, ve.Msg}] = true
					m.add(cp(j)+"."+ve.Field, ve.Msg, ve)
				}
			}
		}
		if c.Name == "" {
			continue
		}
		if first, dup := byName[strings.ToLower(c.Name)]; dup {
			m.add(cp(j)+".Name", fmt.Sprintf("%q is already the name of OutboundConnectors[%d] (names are compared ignoring case)", c.Name, first), nil)
		} else {
			byName[strings.ToLower(c.Name)] = j
		}
	}

	// The connectors claiming each pattern, and AllAcceptedDomains, in
	// order: the first keeps the claim, NewTable reports each later one.
	claims := map[domain.Pattern][]int{}
	var all []int
	for j, c := range conns {
		if !c.Enabled || c.TestMode || c.IsTransportRuleScoped {
			continue
		}
		if c.AllAcceptedDomains {
			all = append(all, j)
		}
		seen := map[domain.Pattern]bool{}
		for _, p := range c.RecipientDomains {
			if p.IsValid() && !seen[p] {
				seen[p] = true
				claims[p] = append(claims[p], j)
			}
		}
	}
	reported := map[domain.Pattern]int{}
	allReported := 0
	for _, e := range list {
		switch e := e.(type) {
		case *connector.ValidationError:
			if explained[key{e.Connector, e.Field, e.Msg}] || e.Field == "Name" && strings.HasPrefix(e.Msg, "not unique") {
				continue
			}
			j := indexOfName(conns, e.Connector)
			if j < 0 {
				m.add(lp, trimPkg(e.Error()), e)
			} else {
				m.add(cp(j)+"."+e.Field, e.Msg, e)
			}
		case *connector.ConflictError:
			if e.Field == "AllAcceptedDomains" {
				allReported++
				if allReported < len(all) {
					j, first := all[allReported], all[0]
					m.add(cp(j)+".AllAcceptedDomains", fmt.Sprintf("OutboundConnectors[%d] (%q) has AllAcceptedDomains too: only one enabled connector may", first, conns[first].Name), e)
					continue
				}
				m.add(lp, trimPkg(e.Error()), e)
				continue
			}
			reported[e.Pattern]++
			c := claims[e.Pattern]
			if n := reported[e.Pattern]; n < len(c) {
				j, first := c[n], c[0]
				m.add(cp(j)+".RecipientDomains["+strconv.Itoa(indexOfPattern(conns[j].RecipientDomains, e.Pattern))+"]",
					fmt.Sprintf("%s is already claimed by OutboundConnectors[%d] (%q): two enabled connectors cannot claim one recipient domain", e.Pattern, first, conns[first].Name), e)
				continue
			}
			m.add(lp, trimPkg(e.Error()), e)
		default:
			// NewTable repeats the accepted-domain errors NewDirectory
			// reports under AcceptedDomains.
			if strings.HasPrefix(e.Error(), "connector: accepted domain") {
				continue
			}
			m.add(lp, trimPkg(e.Error()), e)
		}
	}
}

func indexOfName(conns []connector.Outbound, name string) int {
	for j, c := range conns {
		if c.Name == name {
			return j
		}
	}
	return -1
}

func indexOfPattern(pats []domain.Pattern, p domain.Pattern) int {
	for i, q := range pats {
		if q == p {
			return i
		}
	}
	return 0
}

// acrossTenants checks what NewDirectory checks across tenants: unique
// IDs, and accepted domains owned by one tenant only.
func (m *mapper) acrossTenants(tenants []attribution.Tenant) {
	ids := map[string]int{}
	type claim struct{ tenant, index int }
	owner := map[domain.Pattern]claim{}
	for i, t := range tenants {
		tp := "Tenants[" + strconv.Itoa(i) + "]"
		if t.ID != "" {
			if first, dup := ids[t.ID]; dup {
				m.add(tp+".Id", fmt.Sprintf("tenant ID %q is already the ID of Tenants[%d]", t.ID, first), nil)
			} else {
				ids[t.ID] = i
			}
		}
		for k, a := range t.AcceptedDomains {
			if a.Validate() != nil {
				continue
			}
			p := a.Pattern()
			c, taken := owner[p]
			switch {
			case !taken:
				owner[p] = claim{i, k}
			case c.tenant != i:
				m.add(fmt.Sprintf("%s.AcceptedDomains[%d].DomainName", tp, k),
					fmt.Sprintf("accepted domain %s is already an accepted domain of tenant %q (Tenants[%d].AcceptedDomains[%d]): an accepted domain belongs to one tenant", a.Name, tenants[c.tenant].ID, c.tenant, c.index), nil)
			}
		}
	}
}

// taints reports whether semantic error e concerns a record that already
// has a decoding error: a record that did not decode fully can break rules
// only because of what is missing.
func taints(decodeErrs ErrorList, e *Error) bool {
	rec := recordOf(e.cfg)
	for _, d := range decodeErrs {
		if hasPathPrefix(d.cfg, rec) || hasPathPrefix(rec, d.cfg) {
			return true
		}
	}
	return false
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

func hasPathPrefix(p, prefix string) bool {
	if prefix == "" {
		return true
	}
	return strings.HasPrefix(p, prefix) && (len(p) == len(prefix) || p[len(prefix)] == '.' || p[len(prefix)] == '[')
}
