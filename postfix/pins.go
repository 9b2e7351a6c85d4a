package postfix

import (
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/mailflow-go/mailflow/certmatch"
)

// Pins are client certificates known by fingerprint: Postfix sends
// ccert_fingerprint and ccert_pubkey_fingerprint for every client
// certificate, verified or not, but the CN (ccert_subject) only for a
// verified chain and the SANs never. A pin says whose certificate a
// fingerprint is, and which names it stands for.
//
// A Pins is built by ParsePins or LoadPins (or by hand, before use) and
// then only read; it is safe for concurrent lookups.
type Pins struct {
	// Certificates maps ccert_fingerprint values (the SHA-256 of the DER
	// certificate) to names.
	Certificates certmatch.Pins
	// PublicKeys maps ccert_pubkey_fingerprint values (the SHA-256 of the
	// DER SubjectPublicKeyInfo; it survives a renewal with the same key)
	// to names.
	PublicKeys certmatch.Pins
}

// Len returns the number of pinned fingerprints.
func (p *Pins) Len() int { return p.Certificates.Len() + p.PublicKeys.Len() }

// pinEntry is one entry of a pins file.
type pinEntry struct {
	Fingerprint          string   `yaml:"Fingerprint"`
	PublicKeyFingerprint string   `yaml:"PublicKeyFingerprint"`
	Names                []string `yaml:"Names"`
}

// LoadPins reads a pins file; see [ParsePins] for the format.
func LoadPins(path string) (*Pins, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("postfix: pins: %w", err)
	}
	return ParsePins(data, path)
}

// ParsePins reads pins written in YAML or JSON (name is the file name,
// for messages):
//
//	Pins:
//	  - Fingerprint: "AA:8F:E7:…:99:37"      # ccert_fingerprint (openssl x509 -noout -fingerprint -sha256)
//	    Names: [mail.contoso.com]
//	  - PublicKeyFingerprint: "60:C3:AB:…"   # ccert_pubkey_fingerprint
//	    Names: ["*.contoso.com", mail.contoso.com]
//
// Each entry has exactly one of Fingerprint and PublicKeyFingerprint (32
// colon-separated hex pairs, or 64 hex digits) and at least one name
// (certificate names, as certmatch.ParseNames reads them). Every problem
// is reported, each with its line; nothing is returned unless all is
// well. An empty file, or an empty list, pins nothing.
func ParsePins(data []byte, name string) (*Pins, error) {
	p := &Pins{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("postfix: pins %s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return p, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("postfix: pins %s:%d: want a mapping with a Pins list", name, root.Line)
	}
	var list *yaml.Node
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Value != "Pins" {
			errs = append(errs, fmt.Errorf("postfix: pins %s:%d: unknown field %q (want Pins)", name, k.Line, k.Value))
			continue
		}
		list = root.Content[i+1]
	}
	if list != nil && list.Kind != yaml.SequenceNode && !(list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		errs = append(errs, fmt.Errorf("postfix: pins %s:%d: Pins: want a list", name, list.Line))
		list = nil
	}
	if list != nil {
		for i, n := range list.Content {
			at := fmt.Sprintf("postfix: pins %s:%d: Pins[%d]", name, n.Line, i)
			var e pinEntry
			if err := decodeStrict(n, &e); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", at, err))
				continue
			}
			var err error
			switch {
			case len(e.Names) == 0:
				err = errors.New("no Names: a pin needs at least one name")
			case e.Fingerprint != "" && e.PublicKeyFingerprint != "":
				err = errors.New("give Fingerprint or PublicKeyFingerprint, not both")
			case e.Fingerprint != "":
				err = p.Certificates.Add(e.Fingerprint, e.Names...)
			case e.PublicKeyFingerprint != "":
				err = p.PublicKeys.Add(e.PublicKeyFingerprint, e.Names...)
			default:
				err = errors.New("no Fingerprint or PublicKeyFingerprint")
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", at, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// decodeStrict decodes a mapping node into e, refusing unknown fields.
func decodeStrict(n *yaml.Node, e *pinEntry) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("want a mapping with Fingerprint (or PublicKeyFingerprint) and Names")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "Fingerprint", "PublicKeyFingerprint", "Names":
		default:
			return fmt.Errorf("unknown field %q (want Fingerprint, PublicKeyFingerprint, Names)", k)
		}
	}
	return n.Decode(e)
}
