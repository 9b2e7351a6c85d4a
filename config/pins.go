package config

import (
	"os"
	"path/filepath"

	"github.com/mailflow-go/mailflow/certmatch"
)

// A pins file maps the fingerprints Postfix hands over to certificate
// names. It is read by the same loader as configurations: YAML or JSON,
// Exchange-style names matched ignoring case, every problem at once with
// its file, line and column.
//
//	Pins:
//	  - Fingerprint: "AA:8F:E7:…:99:37"      # ccert_fingerprint (openssl x509 -noout -fingerprint -sha256)
//	    Names: [mail.contoso.com]
//	  - PublicKeyFingerprint: "60:C3:AB:…"   # ccert_pubkey_fingerprint
//	    Names: ["*.contoso.com", mail.contoso.com]

// pinEntry is one entry of a pins file, as written.
type pinEntry struct {
	Fingerprint, PublicKeyFingerprint string
	Names                             []string
}

var pinsFields = []field[[]pinEntry]{
	{name: "Pins", list: true, set: func(d *fileDec, n *node, w where, v *[]pinEntry) {
		*v = records(d, n, w, (*v)[:0], (*fileDec).pin)
	}},
}

var pinFields = []field[pinEntry]{
	{name: "Fingerprint", set: func(d *fileDec, n *node, w where, v *pinEntry) { v.Fingerprint, _ = d.str(n, w) }},
	{name: "PublicKeyFingerprint", set: func(d *fileDec, n *node, w where, v *pinEntry) { v.PublicKeyFingerprint, _ = d.str(n, w) }},
	{name: "Names", list: true, set: func(d *fileDec, n *node, w where, v *pinEntry) {
		v.Names = values(d, n, w, func(s string) (string, error) { return s, nil })
	}},
}

func (d *fileDec) pin(n *node, w where) (pinEntry, bool) {
	var e pinEntry
	present := record(d, n, w, &e, pinFields, kindPin)
	if present == nil {
		return e, false
	}
	// The rules of an entry, each reported at the field at fault.
	var set *certmatch.Pins
	var fp, field string
	switch {
	case e.Fingerprint != "" && e.PublicKeyFingerprint != "":
		d.fail(w.field("PublicKeyFingerprint"), n, "give Fingerprint or PublicKeyFingerprint, not both")
		return e, true
	case e.Fingerprint != "":
		set, fp, field = &d.pins.Certificates, e.Fingerprint, "Fingerprint"
	case e.PublicKeyFingerprint != "":
		set, fp, field = &d.pins.PublicKeys, e.PublicKeyFingerprint, "PublicKeyFingerprint"
	default:
		d.fail(w, n, "no Fingerprint or PublicKeyFingerprint")
		return e, true
	}
	if len(e.Names) == 0 {
		d.fail(w.field("Names"), n, "no Names: a pin needs at least one name")
		return e, true
	}
	f, err := certmatch.ParseFingerprint(fp)
	if err != nil {
		d.failErr(w.field(field), d.at(w.field(field), n), err)
		return e, true
	}
	ns, err := certmatch.ParseNames(e.Names...)
	if err != nil {
		for _, e := range unjoin(err) {
			d.failErr(w.field("Names"), d.at(w.field("Names"), n), e)
		}
		return e, true
	}
	if err := set.AddNames(f, ns); err != nil {
		d.failErr(w.field(field), d.at(w.field(field), n), err)
	}
	return e, true
}

// at returns a node carrying the position w was read from, or n.
func (d *fileDec) at(w where, n *node) *node {
	if l, ok := d.pos[w.cfg]; ok {
		return &node{line: l.line, col: l.col}
	}
	return n
}

// LoadPins reads a pins file; see [ParsePins] for the format. A file that
// cannot be read gives the file system's error.
func LoadPins(path string) (*certmatch.PinSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePins(data, path)
}

// ParsePins reads pins written in YAML or JSON (name is the file name, for
// messages and to choose the format as [Load] does):
//
//	Pins:
//	  - Fingerprint: "AA:8F:E7:…:99:37"      # ccert_fingerprint
//	    Names: [mail.contoso.com]
//	  - PublicKeyFingerprint: "60:C3:AB:…"   # ccert_pubkey_fingerprint
//	    Names: ["*.contoso.com", mail.contoso.com]
//
// Each entry has exactly one of Fingerprint and PublicKeyFingerprint (32
// colon-separated hex pairs, or 64 hex digits) and at least one name
// (certificate names, as certmatch.ParseNames reads them); a fingerprint
// is pinned once. Every problem is reported, as an [ErrorList] with
// files, lines and columns; nothing is returned unless all is well. An
// empty file, or an empty list, pins nothing.
func ParsePins(data []byte, name string) (*certmatch.PinSet, error) {
	st := &state{pos: map[string]loc{}, order: map[string]int{}, pins: &certmatch.PinSet{}}
	d := &fileDec{state: st, file: name, order: st.fileOrder(name), dir: filepath.Dir(name)}
	root, err := parseRoot(data, name)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return st.pins, nil
	}
	var entries []pinEntry
	record(d, root, where{}, &entries, pinsFields, kindPinsFile)
	if len(st.errs) > 0 {
		return nil, sortErrors(st.errs)
	}
	return st.pins, nil
}
