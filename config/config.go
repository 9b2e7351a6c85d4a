package config

import (
	_ "embed"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
)

// Config is a loaded configuration: the tenants, with their accepted
// domains and connectors, ready for [attribution.NewDirectory]. A Config
// returned by [Load], [Parse] or [Default] is known to build.
type Config struct {
	// Tenants are the tenants, in file order, with imported records
	// appended to each tenant's inline lists.
	Tenants []attribution.Tenant
	// Source is the file the configuration was loaded from, or "embedded
	// default".
	Source string

	pos map[string]loc // configuration path → where it was read from
}

// Load reads the configuration file at path, and the Exchange Online
// exports it imports (relative to its directory). The format is chosen by
// the extension: .yaml or .yml for YAML, .json for JSON; any other name is
// JSON when its first character is '{' or '[', else YAML.
//
// On any problem Load returns no Config and an [ErrorList] of every
// problem found, syntax, fields, values and the rules
// [attribution.NewDirectory] enforces alike.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ErrorList{{File: path, Msg: err.Error(), err: err}}
	}
	return parse(data, path, os.ReadFile)
}

// Parse reads a configuration from data. name is the file name used in
// messages, to choose the format as [Load] does, and to find the files an
// Import block names (relative to name's directory).
func Parse(data []byte, name string) (*Config, error) {
	return parse(data, name, os.ReadFile)
}

// Directory builds the Directory for c, with opts passed to
// connector.NewTable for each tenant (the precedence policy, for
// example). Errors are an [ErrorList] mapped back to the files and lines
// the values were read from; if c.Tenants was changed after loading, the
// positions may no longer fit, and the paths are still right.
func (c *Config) Directory(opts ...connector.Option) (*attribution.Directory, error) {
	d, errs := build(c.Tenants, opts, locator{pos: c.pos, source: c.Source})
	if errs != nil {
		return nil, sortErrors(errs)
	}
	return d, nil
}

//go:embed default.yaml
var defaultYAML []byte

var defaultConfig = sync.OnceValue(func() *Config {
	c, err := parse(defaultYAML, "default.yaml", func(string) ([]byte, error) { return nil, os.ErrNotExist })
	if err != nil {
		panic("config: the embedded default.yaml is broken: " + err.Error())
	}
	c.Source = "embedded default"
	return c
})

// Default returns the embedded default configuration: the worked example
// of Microsoft's connector articles (tenant contoso; accepted domains
// contoso.com, sales.contoso.com, fabrikam.com and contoso.onmicrosoft.com;
// outbound Connector 1 for all accepted domains, Connector 2 for
// contoso.com, Connector 3 for *.contoso.com) plus a certificate-based
// inbound connector from on-premises. Each call returns a fresh copy.
func Default() *Config {
	c := defaultConfig()
	return &Config{Tenants: cloneTenants(c.Tenants), Source: c.Source, pos: c.pos}
}

// DefaultYAML returns the text of the embedded default configuration, a
// commented example of the format.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

func cloneTenants(ts []attribution.Tenant) []attribution.Tenant {
	out := make([]attribution.Tenant, len(ts))
	for i, t := range ts {
		t.AcceptedDomains = append(t.AcceptedDomains[:0:0], t.AcceptedDomains...)
		t.SendAs = append(t.SendAs[:0:0], t.SendAs...)
		t.InboundConnectors = append(t.InboundConnectors[:0:0], t.InboundConnectors...)
		for j := range t.InboundConnectors {
			c := &t.InboundConnectors[j]
			c.SenderDomains = append(c.SenderDomains[:0:0], c.SenderDomains...)
			c.SenderIPAddresses = append(c.SenderIPAddresses[:0:0], c.SenderIPAddresses...)
			c.AssociatedAcceptedDomains = append(c.AssociatedAcceptedDomains[:0:0], c.AssociatedAcceptedDomains...)
			c.TrustedOrganizations = append(c.TrustedOrganizations[:0:0], c.TrustedOrganizations...)
			c.EFSkipIPs = append(c.EFSkipIPs[:0:0], c.EFSkipIPs...)
			c.EFUsers = append(c.EFUsers[:0:0], c.EFUsers...)
		}
		t.OutboundConnectors = append(t.OutboundConnectors[:0:0], t.OutboundConnectors...)
		for j := range t.OutboundConnectors {
			c := &t.OutboundConnectors[j]
			c.RecipientDomains = append(c.RecipientDomains[:0:0], c.RecipientDomains...)
			c.SmartHosts = append(c.SmartHosts[:0:0], c.SmartHosts...)
		}
		out[i] = t
	}
	return out
}

// isJSON reports whether the file is JSON: by extension, else by its first
// character.
func isJSON(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	s := strings.TrimLeft(string(data), " \t\r\n")
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

// parse reads a configuration, with read for the files it imports.
func parse(data []byte, name string, read func(string) ([]byte, error)) (*Config, error) {
	st := &state{pos: map[string]loc{}, order: map[string]int{}, read: read}
	d := &fileDec{state: st, file: name, order: st.fileOrder(name), dir: filepath.Dir(name)}
	data = decodeText(data)

	format := "YAML"
	var root *node
	var serr *syntaxError
	if isJSON(name, data) {
		format = "JSON"
		root, serr = parseJSON(data)
	} else {
		root, serr = parseYAML(data)
	}
	if serr != nil {
		e := &Error{File: name, Line: serr.line, Column: serr.col, Msg: format + " syntax error: " + serr.msg}
		if serr.hint != "" {
			e.Msg += "; " + serr.hint
		}
		return nil, ErrorList{e}
	}
	if root == nil {
		return nil, ErrorList{{File: name, Msg: "empty configuration: want a Tenants list"}}
	}

	tenants := d.config(root)
	errs := st.errs
	if _, semErrs := build(tenants, nil, locator{pos: st.pos, source: name}); semErrs != nil {
		for _, e := range semErrs {
			if !taints(st.errs, e) {
				errs = append(errs, e)
			}
		}
	}
	if len(errs) > 0 {
		return nil, sortErrors(errs)
	}
	return &Config{Tenants: tenants, Source: name, pos: st.pos}, nil
}
