package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// where is a value's path twice over: in configuration terms (cfg:
// "Tenants[0].OutboundConnectors[3]", with indexes into the loaded Go
// slices, used to map semantic errors back) and in the terms of the file
// it was read from (disp: "value[1]" in an export; the index in the file,
// which differs from the slice index when entries were skipped).
type where struct{ cfg, disp string }

func (w where) field(name string) where {
	return where{join(w.cfg, name), join(w.disp, name)}
}

func (w where) index(cfg, disp int) where {
	return where{w.cfg + "[" + strconv.Itoa(cfg) + "]", w.disp + "[" + strconv.Itoa(disp) + "]"}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// loc is where a configuration path was read from.
type loc struct {
	file      string
	order     int
	disp      string
	line, col int
}

// state is shared by every file of one load: the configuration and its
// imports.
//
// Positions are not recorded as a load decodes: a map of every path read
// cost more memory than the configuration itself. Errors found while
// decoding carry the position of their node; only the rules the build
// enforces need positions after the fact, and then the load is decoded
// once more recording just the paths those errors name (see locate).
type state struct {
	errs ErrorList
	// pos is where paths were read from: nil records none; want, when
	// not nil, limits it to those paths.
	pos   map[string]loc
	want  map[string]bool
	order map[string]int
	read  func(string) ([]byte, error)
	pins  *certmatch.PinSet // what a pins file pins, as it is read
	// rds is where the tenant being decoded set RejectDirectSend, at
	// path rdsPath (importOrg compares exports with it); always kept.
	rds     loc
	rdsPath string
}

func (s *state) fileOrder(name string) int {
	o, ok := s.order[name]
	if !ok {
		o = len(s.order)
		s.order[name] = o
	}
	return o
}

// fileDec decodes one file.
type fileDec struct {
	*state
	file   string
	order  int
	export bool // an Exchange Online export: unknown fields are ignored
	dir    string
	// tenantBase is the number of tenants the files before this one hold
	// (--config DIR): this file's Tenants[i] is the configuration's
	// Tenants[tenantBase+i].
	tenantBase int
}

func (d *fileDec) fail(w where, n *node, msg string) *Error {
	e := &Error{File: d.file, Path: w.disp, Msg: msg, cfg: w.cfg, order: d.order}
	if n != nil {
		e.Line, e.Column = n.line, n.col
	}
	d.errs = append(d.errs, e)
	return e
}

// failErr reports err, without the package prefix of its text.
func (d *fileDec) failErr(w where, n *node, err error) {
	d.fail(w, n, message(err)).err = err
}

// mark records where w was read from, if the load records it.
func (d *fileDec) mark(w where, n *node) {
	rds := strings.HasSuffix(w.cfg, ".RejectDirectSend")
	keep := d.pos != nil && (d.want == nil || d.want[w.cfg])
	if !rds && !keep {
		return
	}
	l := loc{file: d.file, order: d.order, disp: w.disp}
	if n != nil {
		l.line, l.col = n.line, n.col
	}
	if rds {
		d.rds, d.rdsPath = l, w.cfg
	}
	if keep {
		d.pos[w.cfg] = l
	}
}

// given returns where path cfg was read from, if it was recorded.
func (d *fileDec) given(cfg string) (loc, bool) {
	if d.rdsPath == cfg {
		return d.rds, true
	}
	l, ok := d.pos[cfg]
	return l, ok
}

// dropped returns the configuration path for the errors of a record at
// path that is not loaded at all: one that stands for no loaded record
// (the next record loaded takes the index), so that it keeps none of them
// from being validated.
func dropped(path string) string {
	return parentPath(path) + "#dropped"
}

// record decodes mapping n into v with fields, and returns the fields that
// were given a non-null value.
func record[T any](d *fileDec, n *node, w where, v *T, fields []field[T], kind recordKind) map[string]bool {
	d.mark(w, n)
	if n.kind != mapNode {
		e := d.fail(w, n, "want "+kind.String()+" as a mapping of Name: value, got "+n.kind.String())
		e.cfg = dropped(w.cfg)
		return nil
	}
	seen := make(map[string]*node, len(n.keys))
	present := make(map[string]bool, len(n.keys))
	for i, k := range n.keys {
		f := lookupField(fields, k.text)
		if f == nil {
			if !d.export {
				d.unknownField(k, w, kind, fieldNames(fields))
			}
			continue
		}
		if prev := seen[f.name]; prev != nil {
			if !d.export {
				d.fail(w.field(f.name), k, fmt.Sprintf("%s is already set at line %d", f.name, prev.line))
				continue
			}
			// Exports may carry case-variants of a key: the exact spelling wins.
			if prev.text == f.name || k.text != f.name {
				continue
			}
		}
		seen[f.name] = k
		fw := w.field(f.name)
		d.mark(fw, k)
		val := n.vals[i]
		if val.kind == nullNode && !f.list {
			delete(present, f.name)
			continue // null: the default
		}
		present[f.name] = true
		f.set(d, val, fw, v)
	}
	return present
}

func (d *fileDec) unknownField(k *node, w where, kind recordKind, names []string) {
	fw := w.field(k.text)
	if name, ok := exoOnly(kind, k.text); ok {
		d.fail(fw, k, name+" is an Exchange Online property that mailflow does not model: remove it (Import reads past it in exported files)")
		return
	}
	if other, name, ok := fieldOfOther(kind, k.text); ok {
		e := d.fail(fw, k, name+" is a field of "+other.String()+", not of "+kind.String())
		e.Suggestion = suggest(k.text, names)
		return
	}
	e := d.fail(fw, k, "unknown field "+strconv.Quote(k.text)+" in "+kind.String())
	e.Suggestion = suggest(k.text, names)
}

// str reads a scalar as text.
func (d *fileDec) str(n *node, w where) (string, bool) {
	if n.kind != scalarNode {
		d.fail(w, n, "want a string, got "+n.kind.String())
		return "", false
	}
	return n.text, true
}

// boolean reads true or false: a boolean, or the strings "true", "false",
// "$true" and "$false" in any case (PowerShell's spellings).
func (d *fileDec) boolean(n *node, w where) (bool, bool) {
	if n.kind == scalarNode {
		switch strings.ToLower(n.text) {
		case "true", "$true":
			return true, true
		case "false", "$false":
			return false, true
		}
		d.fail(w, n, "want true or false, got "+strconv.Quote(n.text))
		return false, false
	}
	d.fail(w, n, "want true or false, got "+n.kind.String())
	return false, false
}

// enum reads an enumeration by name or number, or from the object Windows
// PowerShell 5.1 writes for an enum ({"value": 1, "Value": "OnPremises"}):
// the name is tried first, then the number.
func enum[E any](d *fileDec, n *node, w where, parse func(string) (E, error)) (E, bool) {
	var zero E
	switch n.kind {
	case scalarNode:
		v, err := parse(n.text)
		if err != nil {
			d.failErr(w, n, err)
			return zero, false
		}
		return v, true
	case mapNode:
		var cands []*node
		for _, pass := range []func(k, v *node) bool{
			func(k, v *node) bool { return k.text == "Value" && v.tag == tagStr },
			func(k, v *node) bool {
				return k.text != "Value" && strings.EqualFold(k.text, "value") && v.tag == tagStr
			},
			func(k, v *node) bool { return strings.EqualFold(k.text, "value") && v.tag != tagStr },
		} {
			for i, k := range n.keys {
				if v := n.vals[i]; v.kind == scalarNode && pass(k, v) {
					cands = append(cands, v)
				}
			}
		}
		var first error
		for _, c := range cands {
			v, err := parse(c.text)
			if err == nil {
				return v, true
			}
			first = cmpOr(first, err)
		}
		if first != nil {
			d.failErr(w, n, first)
		} else {
			d.fail(w, n, "want a name or a number, got a mapping without a value")
		}
		return zero, false
	}
	d.fail(w, n, "want a name or a number, got "+n.kind.String())
	return zero, false
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// source reads a ConnectorSource; in an export, a value this package does
// not know is read as Default (it is informational, and exports grow new
// values, as AdminUI once was).
func (d *fileDec) source(n *node, w where) connector.ConnectorSource {
	if d.export {
		scratch := &fileDec{state: &state{}, export: true}
		v, _ := enum(scratch, n, w, connector.ParseConnectorSource)
		return v
	}
	v, _ := enum(d, n, w, connector.ParseConnectorSource)
	return v
}

// list calls item for each entry of a list field. A scalar is read as a
// list of one (PowerShell takes -SmartHosts a.example as well as
// @("a.example")); null and [null] are empty lists (ConvertTo-Json writes
// [null] for an empty collection). Other null entries are skipped in an
// export and refused in a configuration. item returns false when it
// refused its entry; the entries kept are numbered on.
func (d *fileDec) list(n *node, w where, item func(it *node, iw where) bool) {
	switch n.kind {
	case nullNode:
		return
	case mapNode:
		d.fail(w, n, "want a list, got a mapping")
		return
	case scalarNode:
		iw := w.index(0, 0)
		d.mark(iw, n)
		item(n, iw)
		return
	}
	if len(n.items) == 1 && n.items[0].kind == nullNode {
		return
	}
	kept := 0
	if w.cfg == "Tenants" {
		kept = d.tenantBase
	}
	for i, it := range n.items {
		iw := w.index(kept, i)
		if it.kind == nullNode {
			if !d.export {
				d.fail(iw, it, "empty entry")
			}
			continue
		}
		d.mark(iw, it)
		if item(it, iw) {
			kept++
		}
	}
}

// values reads a list of strings with parse.
func values[T any](d *fileDec, n *node, w where, parse func(string) (T, error)) []T {
	var out []T
	d.list(n, w, func(it *node, iw where) bool {
		s, ok := d.str(it, iw)
		if !ok {
			return false
		}
		v, ok := parseValue(d, it, iw, s, parse)
		if ok {
			out = append(out, v)
		}
		return ok
	})
	return out
}

func parseValue[T any](d *fileDec, n *node, w where, s string, parse func(string) (T, error)) (T, bool) {
	v, err := parse(strings.TrimSpace(s))
	if err != nil {
		d.failErr(w, n, err)
		return v, false
	}
	return v, true
}

// patterns reads RecipientDomains or SenderDomains: domain patterns, bare
// or as Exchange address spaces ("smtp:*.contoso.com;1").
func (d *fileDec) patterns(n *node, w where) []domain.Pattern {
	return values(d, n, w, func(s string) (domain.Pattern, error) {
		s, err := addressSpace(s)
		if err != nil {
			return domain.Pattern{}, err
		}
		return domain.ParsePattern(s)
	})
}

// pattern reads TlsDomain or TlsSenderCertificateName; "" is unset.
func (d *fileDec) pattern(n *node, w where) domain.Pattern {
	s, ok := d.str(n, w)
	if !ok || strings.TrimSpace(s) == "" {
		return domain.Pattern{}
	}
	p, _ := parseValue(d, n, w, s, domain.ParsePattern)
	return p
}

// addressSpace strips the form Exchange stores SenderDomains in,
// "smtp:contoso.com;1" (type, domain, cost), down to the domain. Other
// address-space types (X400, X500) are refused.
func addressSpace(s string) (string, error) {
	typ, rest, ok := strings.Cut(s, ":")
	if !ok {
		return s, nil
	}
	if !strings.EqualFold(typ, "smtp") {
		return "", fmt.Errorf("address space %q: type %s is not supported, want smtp:domain;cost or a plain domain", s, typ)
	}
	if i := strings.LastIndexByte(rest, ';'); i >= 0 {
		if _, err := strconv.ParseUint(rest[i+1:], 10, 32); err != nil {
			return "", fmt.Errorf("address space %q: bad cost %q after ';'", s, rest[i+1:])
		}
		rest = rest[:i]
	}
	return rest, nil
}

// records reads a list of records with dec, appending to out.
func records[T any](d *fileDec, n *node, w where, out []T, dec func(*fileDec, *node, where) (T, bool)) []T {
	d.list(n, w, func(it *node, iw where) bool {
		v, ok := dec(d, it, iw)
		if ok {
			out = append(out, v)
		}
		return ok
	})
	return out
}

func (d *fileDec) accepted(n *node, w where) (domain.AcceptedDomain, bool) {
	var a domain.AcceptedDomain
	present := record(d, n, w, &a, acceptedFields, kindAccepted)
	return a, present != nil
}

func (d *fileDec) inbound(n *node, w where) (connector.Inbound, bool) {
	c := connector.NewInbound("")
	present := record(d, n, w, &c, inboundFields, kindInbound)
	return c, present != nil
}

// outbound reads an outbound connector. UseMXRecord defaults to true, as
// in New-OutboundConnector, unless SmartHosts are listed: then it is
// false, which is what listing them means (the cmdlet wants
// -UseMXRecord $false with -SmartHosts, and refuses both together).
func (d *fileDec) outbound(n *node, w where) (connector.Outbound, bool) {
	c := connector.NewOutbound("")
	present := record(d, n, w, &c, outboundFields, kindOutbound)
	if !present["UseMXRecord"] && len(c.SmartHosts) > 0 {
		c.UseMXRecord = false
	}
	return c, present != nil
}

func (d *fileDec) sendAs(n *node, w where) (attribution.SendAsGrant, bool) {
	var g attribution.SendAsGrant
	present := record(d, n, w, &g, sendAsFields, kindSendAs)
	return g, present != nil
}

func (d *fileDec) login(n *node, w where) (attribution.SubmissionLogin, bool) {
	var l attribution.SubmissionLogin
	present := record(d, n, w, &l, loginFields, kindLogin)
	return l, present != nil
}

// config decodes the top level.
func (d *fileDec) config(n *node) []attribution.Tenant {
	var tenants []attribution.Tenant
	w := where{}
	before := len(d.errs)
	present := record(d, n, w, &tenants, configFields, kindConfig)
	if present != nil && !present["Tenants"] && len(d.errs) == before {
		d.fail(w, n, "no Tenants: want a Tenants list")
	}
	return tenants
}

func (d *fileDec) tenants(n *node, w where) []attribution.Tenant {
	var out []attribution.Tenant
	d.list(n, w, func(it *node, iw where) bool {
		var t tenantDraft
		if record(d, it, iw, &t, tenantFields, kindTenant) == nil {
			return false
		}
		if t.imp != nil {
			d.imports(t.imp, t.impW, &t.Tenant, iw)
		}
		out = append(out, t.Tenant)
		return true
	})
	return out
}

// imports reads the Import block of the tenant at tw and appends what the
// files hold to its lists.
func (d *fileDec) imports(n *node, w where, t *attribution.Tenant, tw where) {
	var spec importSpec
	if record(d, n, w, &spec, importFields, kindImport) == nil {
		return
	}
	for k, refs := range spec.files {
		for _, ref := range refs {
			if name, data, ok := d.readImport(ref, importKinds[k]); ok {
				d.importFile(name, data, k, t, tw, ref)
			}
		}
	}
	d.importOrg(spec.org, t, tw)
}

// importFile reads one Exchange Online export (see the package
// documentation for the shapes) into list k of t.
func (d *fileDec) importFile(name string, data []byte, k int, t *attribution.Tenant, tw where, ref fileRef) {
	ed := &fileDec{state: d.state, file: name, order: d.fileOrder(name), export: true}
	kind := importKinds[k]
	fileW := where{cfg: ref.w.cfg} // problems with the whole file
	data = decodeText(data)
	if len(data) > 0 && strings.Trim(string(data), "\x00") == "" {
		ed.fail(fileW, nil, "the file holds NUL bytes, not JSON: the admin API answers 403 Forbidden that way (the app needs Exchange.ManageAsApp and an Entra directory role)")
		return
	}
	root, serr := parseJSON(data)
	if serr != nil {
		ed.fail(fileW, &node{line: serr.line, col: serr.col}, "JSON syntax error: "+serr.msg)
		return
	}
	items := exportRecords(ed, root, kind, fileW)
	lw := tw.field(kind)
	for _, it := range items {
		if it.n.kind == nullNode {
			continue
		}
		if o := looksLike(it.n, k); o != k {
			ed.fail(where{cfg: dropped(lw.cfg + "[0]"), disp: it.disp}, it.n,
				fmt.Sprintf("this record looks like %s (Get-%s output), but the file is imported as %s", kindNames[o], cmdletOf[importKinds[o]], kind))
			continue
		}
		switch k {
		case 0:
			iw := where{cfg: lw.cfg + "[" + strconv.Itoa(len(t.AcceptedDomains)) + "]", disp: it.disp}
			if v, ok := ed.accepted(it.n, iw); ok {
				t.AcceptedDomains = append(t.AcceptedDomains, v)
			}
		case 1:
			iw := where{cfg: lw.cfg + "[" + strconv.Itoa(len(t.InboundConnectors)) + "]", disp: it.disp}
			if v, ok := ed.inbound(it.n, iw); ok {
				v.Stored = true // what the service stores: write rules are findings
				t.InboundConnectors = append(t.InboundConnectors, v)
			}
		case 2:
			iw := where{cfg: lw.cfg + "[" + strconv.Itoa(len(t.OutboundConnectors)) + "]", disp: it.disp}
			if v, ok := ed.outbound(it.n, iw); ok {
				v.Stored = true
				t.OutboundConnectors = append(t.OutboundConnectors, v)
			}
		case 3:
			iw := where{cfg: lw.cfg + "[" + strconv.Itoa(len(t.TransportRules)) + "]", disp: it.disp}
			if v, ok := ed.transportRule(it.n, iw); ok {
				t.TransportRules = append(t.TransportRules, v)
			}
		}
	}
}

type exportItem struct {
	n    *node
	disp string
}

// scubaKeys are the keys of a ScubaGear ProviderSettingsExport.json that
// hold each list.
var scubaKeys = map[string]string{
	"AcceptedDomains":    "accepted_domains",
	"InboundConnectors":  "inbound_connectors",
	"OutboundConnectors": "outbound_connectors",
}

// exportRecords finds the records of an export: a JSON array (several
// records), an object with a "value" array (the REST admin API), an
// object with ScubaGear's keys, or one record (ConvertTo-Json of a single
// object).
func exportRecords(d *fileDec, root *node, kind string, fileW where) []exportItem {
	switch root.kind {
	case nullNode:
		return nil
	case scalarNode:
		d.fail(fileW, root, "want a JSON array of Get-"+cmdletOf[kind]+" records, or one record, got a scalar")
		return nil
	case seqNode:
		return items(root, "")
	}
	if v := member(root, "@odata.nextLink"); v != nil && v.kind != nullNode {
		d.fail(fileW, v, "the response is one page of several (@odata.nextLink is set): the records after it are missing; "+
			"the admin API cannot replay the link: export again with -ResultSize Unlimited (CmdletInput Parameters {\"ResultSize\": \"Unlimited\"})")
		return nil
	}
	if v := member(root, "@adminapi.warnings"); v != nil && v.kind == seqNode && len(v.items) > 0 {
		msg := "the response carries @adminapi.warnings, which the admin API sets on a truncated result"
		if w := v.items[0]; w.kind == scalarNode {
			msg += " (" + strconv.Quote(w.text) + ")"
		}
		d.fail(fileW, v, msg+": records may be missing; export again with -ResultSize Unlimited")
		return nil
	}
	if v := member(root, "value"); v != nil && (v.kind == seqNode || v.kind == nullNode) {
		return items(v, "value")
	}
	if v := member(root, "error"); v != nil && v.kind == mapNode && member(root, "DomainName") == nil && member(root, "Name") == nil {
		msg := "(no message)"
		if m := member(v, "message"); m != nil && m.kind == scalarNode {
			msg = strconv.Quote(m.text)
		}
		d.fail(fileW, v, "the file holds an error response from the admin API, not records: "+msg)
		return nil
	}
	anyScuba := false
	for _, k := range scubaKeys {
		anyScuba = anyScuba || member(root, k) != nil
	}
	if anyScuba {
		key := scubaKeys[kind]
		v := member(root, key)
		if v == nil {
			d.fail(fileW, root, "the ScubaGear export has no "+key)
			return nil
		}
		if v.kind == mapNode { // one record
			return []exportItem{{v, key}}
		}
		if v.kind != seqNode && v.kind != nullNode {
			d.fail(where{cfg: fileW.cfg, disp: key}, v, "want a list of records, got "+v.kind.String())
			return nil
		}
		return items(v, key)
	}
	return []exportItem{{root, ""}}
}

func items(n *node, base string) []exportItem {
	out := make([]exportItem, len(n.items))
	for i, it := range n.items {
		out[i] = exportItem{it, base + "[" + strconv.Itoa(i) + "]"}
	}
	return out
}

// member returns the value of key in mapping n: the exact spelling, else
// the first case-insensitive match.
func member(n *node, key string) *node {
	var fold *node
	for i, k := range n.keys {
		if k.text == key {
			return n.vals[i]
		}
		if fold == nil && strings.EqualFold(k.text, key) {
			fold = n.vals[i]
		}
	}
	return fold
}

var cmdletOf = map[string]string{
	"AcceptedDomains":    "AcceptedDomain",
	"InboundConnectors":  "InboundConnector",
	"OutboundConnectors": "OutboundConnector",
	"TransportRules":     "TransportRule",
	"OrganizationConfig": "OrganizationConfig",
}

// markers are fields that only one kind of record has.
var markers = [len(importKinds)][]string{
	{"DomainName", "DomainType"},
	{"SenderDomains", "SenderIPAddresses", "RequireTls", "TlsSenderCertificateName"},
	{"SmartHosts", "UseMXRecord", "RecipientDomains", "AllAcceptedDomains"},
	{"RouteMessageOutboundConnector", "Priority", "Mode", "StopRuleProcessing"},
}

var kindNames = [len(importKinds)]string{"an accepted domain", "an inbound connector", "an outbound connector", "a transport rule"}

// looksLike returns the kind of record n looks like: k unless n has none
// of k's marker fields and some of another kind's (an export pointed at the
// wrong list).
func looksLike(n *node, k int) int {
	if n.kind != mapNode {
		return k
	}
	has := func(k int) bool {
		for _, m := range markers[k] {
			if member(n, m) != nil {
				return true
			}
		}
		return false
	}
	if has(k) {
		return k
	}
	for o := range markers {
		if o != k && has(o) {
			return o
		}
	}
	return k
}
