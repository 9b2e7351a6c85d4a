package world

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/mailflow-go/mailflow/attribution"
)

// Format is the text format an [Encoder] writes.
type Format int

// The formats: YAML in block style (as people write it), JSON indented
// (as ConvertTo-Json writes it) and JSON on one line (ConvertTo-Json
// -Compress).
const (
	YAML Format = iota
	JSON
	JSONCompact
)

// ParseFormat reads "yaml", "json" or "json-compact".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "yaml":
		return YAML, nil
	case "json":
		return JSON, nil
	case "json-compact":
		return JSONCompact, nil
	}
	return 0, fmt.Errorf("format %q: want yaml, json or json-compact", s)
}

// Ext returns the file extension of the format, dot included.
func (f Format) Ext() string {
	if f == YAML {
		return ".yaml"
	}
	return ".json"
}

// Encoder writes tenants, one at a time, as a mailflow configuration file
// (a Tenants list, in the loader's field names): a world of any size is
// written without holding its text, or its tenants, in memory. Call Close
// to end the document; until then what was written is not a whole file.
type Encoder struct {
	w      *bufio.Writer
	format Format
	n      int
	err    error
}

// NewEncoder returns an encoder writing format to w.
func NewEncoder(w io.Writer, format Format) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 1<<16), format: format}
}

// Encode writes one tenant.
func (e *Encoder) Encode(t attribution.Tenant) error {
	if e.err != nil {
		return e.err
	}
	c := toConfig(t)
	var b []byte
	var err error
	switch e.format {
	case YAML:
		if e.n == 0 {
			e.write("Tenants:\n")
		}
		// A one-item list: "- Id: …", at the indentation of the key, as
		// YAML allows for a list under a mapping key.
		b, err = yaml.Marshal([]configTenant{c})
	case JSON:
		e.write(e.sep("{\n  \"Tenants\": [\n    ", ",\n    "))
		b, err = json.MarshalIndent(c, "    ", "  ")
	default:
		e.write(e.sep(`{"Tenants":[`, ","))
		b, err = json.Marshal(c)
	}
	if err != nil {
		e.err = err
		return err
	}
	e.n++
	e.write(string(b))
	return e.err
}

// Close ends the document and flushes it to the writer; it does not close
// the writer.
func (e *Encoder) Close() error {
	if e.err != nil {
		return e.err
	}
	switch {
	case e.format == YAML && e.n == 0:
		e.write("Tenants: []\n")
	case e.format == JSON && e.n == 0:
		e.write("{\n  \"Tenants\": []\n}\n")
	case e.format == JSON:
		e.write("\n  ]\n}\n")
	case e.format == JSONCompact && e.n == 0:
		e.write(`{"Tenants":[]}`)
	case e.format == JSONCompact:
		e.write("]}")
	}
	if e.err != nil {
		return e.err
	}
	e.err = e.w.Flush()
	return e.err
}

// sep returns first before the first tenant, else between.
func (e *Encoder) sep(first, between string) string {
	if e.n == 0 {
		return first
	}
	return between
}

func (e *Encoder) write(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// The configuration format, for the fields the generated worlds use; the
// others are left to their defaults (Enabled, ConnectorSource …).
type (
	configTenant struct {
		ID                 string           `json:"Id" yaml:"Id"`
		RejectDirectSend   bool             `json:"RejectDirectSend,omitempty" yaml:"RejectDirectSend,omitempty"`
		AcceptedDomains    []configAccepted `json:"AcceptedDomains" yaml:"AcceptedDomains"`
		OutboundConnectors []configOutbound `json:"OutboundConnectors,omitempty" yaml:"OutboundConnectors,omitempty"`
		InboundConnectors  []configInbound  `json:"InboundConnectors,omitempty" yaml:"InboundConnectors,omitempty"`
	}
	configAccepted struct {
		DomainName      string `json:"DomainName" yaml:"DomainName"`
		DomainType      string `json:"DomainType" yaml:"DomainType"`
		MatchSubDomains bool   `json:"MatchSubDomains,omitempty" yaml:"MatchSubDomains,omitempty"`
	}
	configOutbound struct {
		Name                          string   `json:"Name" yaml:"Name"`
		ConnectorType                 string   `json:"ConnectorType" yaml:"ConnectorType"`
		RecipientDomains              []string `json:"RecipientDomains,omitempty" yaml:"RecipientDomains,omitempty"`
		AllAcceptedDomains            bool     `json:"AllAcceptedDomains,omitempty" yaml:"AllAcceptedDomains,omitempty"`
		RouteAllMessagesViaOnPremises bool     `json:"RouteAllMessagesViaOnPremises,omitempty" yaml:"RouteAllMessagesViaOnPremises,omitempty"`
		UseMXRecord                   bool     `json:"UseMXRecord" yaml:"UseMXRecord"`
		SmartHosts                    []string `json:"SmartHosts,omitempty" yaml:"SmartHosts,omitempty"`
		TlsSettings                   string   `json:"TlsSettings,omitempty" yaml:"TlsSettings,omitempty"`
	}
	configInbound struct {
		Name                         string   `json:"Name" yaml:"Name"`
		ConnectorType                string   `json:"ConnectorType" yaml:"ConnectorType"`
		SenderDomains                []string `json:"SenderDomains" yaml:"SenderDomains"`
		SenderIPAddresses            []string `json:"SenderIPAddresses,omitempty" yaml:"SenderIPAddresses,omitempty"`
		TlsSenderCertificateName     string   `json:"TlsSenderCertificateName,omitempty" yaml:"TlsSenderCertificateName,omitempty"`
		RequireTls                   bool     `json:"RequireTls,omitempty" yaml:"RequireTls,omitempty"`
		RestrictDomainsToCertificate bool     `json:"RestrictDomainsToCertificate,omitempty" yaml:"RestrictDomainsToCertificate,omitempty"`
		RestrictDomainsToIPAddresses bool     `json:"RestrictDomainsToIPAddresses,omitempty" yaml:"RestrictDomainsToIPAddresses,omitempty"`
	}
)

// toConfig writes t in the configuration format.
func toConfig(t attribution.Tenant) configTenant {
	c := configTenant{ID: t.ID, RejectDirectSend: t.RejectDirectSend}
	for _, a := range t.AcceptedDomains {
		c.AcceptedDomains = append(c.AcceptedDomains, configAccepted{DomainName: a.Name.String(), DomainType: a.Type.String(), MatchSubDomains: a.MatchSubDomains})
	}
	for _, o := range t.OutboundConnectors {
		c.OutboundConnectors = append(c.OutboundConnectors, configOutbound{
			Name: o.Name, ConnectorType: o.ConnectorType.String(),
			RecipientDomains:              stringsOf(o.RecipientDomains),
			AllAcceptedDomains:            o.AllAcceptedDomains,
			RouteAllMessagesViaOnPremises: o.RouteAllMessagesViaOnPremises,
			UseMXRecord:                   o.UseMXRecord,
			SmartHosts:                    stringsOf(o.SmartHosts),
			TlsSettings:                   o.TlsSettings.String(),
		})
	}
	for _, in := range t.InboundConnectors {
		c.InboundConnectors = append(c.InboundConnectors, configInbound{
			Name: in.Name, ConnectorType: in.ConnectorType.String(),
			SenderDomains:                stringsOf(in.SenderDomains),
			SenderIPAddresses:            stringsOf(in.SenderIPAddresses),
			TlsSenderCertificateName:     in.TlsSenderCertificateName.String(),
			RequireTls:                   in.RequireTls,
			RestrictDomainsToCertificate: in.RestrictDomainsToCertificate,
			RestrictDomainsToIPAddresses: in.RestrictDomainsToIPAddresses,
		})
	}
	return c
}

// stringsOf returns the String of each of xs.
func stringsOf[T fmt.Stringer](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	return out
}
