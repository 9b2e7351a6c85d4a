package config

import (
	"path/filepath"
	"strconv"

	"github.com/mailflow-go/mailflow/attribution"
)

// This file imports Get-OrganizationConfig: the fields that change inbound
// decisions, of which mailflow models RejectDirectSend (facts §0.8).

var orgImportField = field[importSpec]{name: "OrganizationConfig", list: true, set: func(d *fileDec, n *node, w where, v *importSpec) {
	v.org = nil
	d.list(n, w, func(it *node, iw where) bool {
		s, ok := d.str(it, iw)
		if ok && s != "" {
			v.org = append(v.org, fileRef{s, it, iw})
		}
		return ok
	})
}}

// readImport reads the export ref names (relative to the configuration's
// directory), reporting a file that cannot be read.
func (d *fileDec) readImport(ref fileRef, kind string) (string, []byte, bool) {
	name := ref.name
	if !filepath.IsAbs(name) {
		name = filepath.Join(d.dir, name)
	}
	data, err := d.read(name)
	if err != nil {
		d.fail(ref.w, ref.n, "cannot read "+kind+" export: "+err.Error()).err = err
		return "", nil, false
	}
	return name, data, true
}

// importOrg reads each Get-OrganizationConfig export into tenant t (at
// tw). A RejectDirectSend that disagrees with the one written inline, or
// with another export, is an error naming both places.
func (d *fileDec) importOrg(refs []fileRef, t *attribution.Tenant, tw where) {
	at := tw.cfg + ".RejectDirectSend"
	for _, ref := range refs {
		name, data, ok := d.readImport(ref, "OrganizationConfig")
		if !ok {
			continue
		}
		ed := &fileDec{state: d.state, file: name, order: d.fileOrder(name), export: true}
		fileW := where{cfg: ref.w.cfg}
		root, serr := parseJSON(decodeText(data))
		if serr != nil {
			ed.fail(fileW, &node{line: serr.line, col: serr.col}, "JSON syntax error: "+serr.msg)
			continue
		}
		items := exportRecords(ed, root, "OrganizationConfig", fileW)
		if len(items) != 1 || items[0].n.kind != mapNode {
			ed.fail(fileW, root, "want one Get-OrganizationConfig record, got "+strconv.Itoa(len(items)))
			continue
		}
		v := member(items[0].n, "RejectDirectSend")
		if v == nil || v.kind == nullNode {
			continue
		}
		w := where{cfg: at, disp: join(items[0].disp, "RejectDirectSend")}
		b, ok := ed.boolean(v, w)
		if !ok {
			continue
		}
		if prev, given := d.given(at); given {
			if b != t.RejectDirectSend {
				first := Location{File: prev.file, Line: prev.line, Column: prev.col, Path: prev.disp}
				e := ed.fail(w, v, "RejectDirectSend is "+strconv.FormatBool(b)+" here but "+strconv.FormatBool(t.RejectDirectSend)+" at "+first.String()+": the configuration and the export disagree; remove one")
				e.Related = []Location{first}
			}
			continue
		}
		t.RejectDirectSend = b
		ed.mark(w, v)
	}
}
