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
// domains and connectors, and the [attribution.Directory] built from them.
// Load, Parse and Default build the directory once, as part of loading
// (a configuration that loads is one that builds); commands use
// [Config.Directory] rather than building it again.
type Config struct {
	// Tenants are the tenants as loaded, in file order, with imported
	// records appended to each tenant's inline lists. The Directory keeps
	// its own copy: changing Tenants changes nothing there.
	Tenants []attribution.Tenant
	// Source is the file the configuration was loaded from, or "embedded
	// default".
	Source string

	dir *attribution.Directory
}

// Directory returns the directory built from the configuration when it
// was loaded; never nil.
func (c *Config) Directory() *attribution.Directory { return c.dir }

// Load reads the configuration file at path, and the Exchange Online
// exports it imports (relative to its directory), and builds its
// Directory with opts (passed to connector.NewTable for each tenant: the
// precedence policy, for example). The format is chosen by the extension:
// .yaml or .yml for YAML, .json for JSON; any other name is JSON when its
// first character is '{' or '[', else YAML.
//
// When the file cannot be read, the error is the file system's
// (errors.Is(err, fs.ErrNotExist) for a missing file). On any problem in
// what it holds, Load returns no Config and an [ErrorList] of every
// problem found, syntax, fields, values and the rules
// [attribution.NewDirectory] enforces alike.
//
// When path is a directory, each of its .yaml, .yml and .json files (in
// name order; subdirectories and other files are not read) is a
// configuration with a Tenants list, and the tenants of all of them are
// merged into one configuration, as if in one file: errors name the file
// and line they come from, and the ownership rules hold across files.
func Load(path string, opts ...connector.Option) (*Config, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return loadDir(path, opts)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// The text is read again only to place the build's errors (locate):
	// it is not kept while the directory is built.
	again := func() ([]byte, error) { return os.ReadFile(path) }
	return parse(data, path, os.ReadFile, again, opts)
}

// loadDir loads the configuration files of dir as one configuration.
func loadDir(dir string, opts []connector.Option) (*Config, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".yaml", ".yml", ".json":
		default:
			continue
		}
		if e.IsDir() {
			continue
		}
		names = append(names, filepath.Join(dir, e.Name()))
	}
	if len(names) == 0 {
		return nil, ErrorList{{File: dir, Msg: "no configuration files (.yaml, .yml, .json) in the directory"}}
	}
	// Each file is read, decoded and dropped in turn: what stays is the
	// decoded tenants.
	decode := func(st *state) ([]attribution.Tenant, ErrorList, error) {
		var tenants []attribution.Tenant
		var syntax ErrorList
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, nil, err
			}
			d := &fileDec{state: st, file: name, order: st.fileOrder(name), dir: dir, tenantBase: len(tenants)}
			ts, serr := d.file1(data)
			if serr != nil {
				syntax = append(syntax, serr...)
				continue
			}
			tenants = append(tenants, ts...)
		}
		return tenants, syntax, nil
	}
	st := newState(os.ReadFile)
	tenants, syntax, err := decode(st)
	if err != nil {
		return nil, err
	}
	if len(syntax) > 0 {
		return nil, sortErrors(append(syntax, st.errs...))
	}
	return finish(st, tenants, dir, opts, func(st *state) []attribution.Tenant {
		ts, _, _ := decode(st)
		return ts
	})
}

func newState(read func(string) ([]byte, error)) *state {
	return &state{order: map[string]int{}, read: read}
}

// Parse reads a configuration from data, as [Load] does. name is the file
// name used in messages, to choose the format as Load does, and to find
// the files an Import block names (relative to name's directory).
func Parse(data []byte, name string, opts ...connector.Option) (*Config, error) {
	return parse(data, name, os.ReadFile, func() ([]byte, error) { return data, nil }, opts)
}

//go:embed default.yaml
var defaultYAML []byte

func parseDefault(opts []connector.Option) *Config {
	noFiles := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	c, err := parse(defaultYAML, "default.yaml", noFiles, func() ([]byte, error) { return defaultYAML, nil }, opts)
	if err != nil {
		panic("config: the embedded default.yaml is broken: " + err.Error())
	}
	c.Source = "embedded default"
	return c
}

var defaultConfig = sync.OnceValue(func() *Config { return parseDefault(nil) })

// Default returns the embedded default configuration, its Directory built
// with opts: the worked example of Microsoft's connector articles (tenant
// contoso; accepted domains contoso.com, sales.contoso.com, fabrikam.com
// and contoso.onmicrosoft.com; outbound Connector 1 for all accepted
// domains, Connector 2 for contoso.com, Connector 3 for *.contoso.com)
// plus a certificate-based inbound connector from on-premises. Each call
// returns a fresh copy of Tenants; the Directory, immutable, is shared.
func Default(opts ...connector.Option) *Config {
	c := defaultConfig()
	if len(opts) > 0 {
		c = parseDefault(opts)
	}
	return &Config{Tenants: cloneTenants(c.Tenants), Source: c.Source, dir: c.dir}
}

// DefaultYAML returns the text of the embedded default configuration, a
// commented example of the format.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

func cloneTenants(ts []attribution.Tenant) []attribution.Tenant {
	out := make([]attribution.Tenant, len(ts))
	for i, t := range ts {
		out[i] = t.Clone()
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

// parseRoot turns the text of a file into its node tree, YAML or JSON as
// isJSON chooses, after decodeText; nil for an empty document. A syntax
// error is an ErrorList of one.
func parseRoot(data []byte, name string) (*node, error) {
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
	return root, nil
}

// parse reads a configuration, with read for the files it imports and
// again for its own text once more (to place the build's errors).
func parse(data []byte, name string, read func(string) ([]byte, error), again func() ([]byte, error), opts []connector.Option) (*Config, error) {
	if again == nil {
		kept := data
		again = func() ([]byte, error) { return kept, nil }
	}
	st := newState(read)
	d := &fileDec{state: st, file: name, order: st.fileOrder(name), dir: filepath.Dir(name)}
	tenants, serr := d.file1(data)
	data = nil // not kept while the directory is built
	if serr != nil {
		return nil, serr
	}
	return finish(st, tenants, name, opts, func(st *state) []attribution.Tenant {
		data, err := again()
		if err != nil {
			return nil
		}
		d := &fileDec{state: st, file: name, order: st.fileOrder(name), dir: filepath.Dir(name)}
		ts, _ := d.file1(data)
		return ts
	})
}

// file1 decodes the configuration file data: its tenants, or its syntax
// error. Tenants are decoded as the parser reads them (streamTenant), so
// that no tree of the whole file is built.
func (d *fileDec) file1(data []byte) ([]attribution.Tenant, ErrorList) {
	root, err := parseRoot(data, d.file)
	if err != nil {
		return nil, err.(ErrorList)
	}
	if root == nil {
		return nil, ErrorList{{File: d.file, Msg: "empty configuration: want a Tenants list", order: d.order}}
	}
	return d.config(root), nil
}

// finish builds the directory of decoded tenants, or returns every
// problem: the decoding errors, and the rules broken by records that did
// decode. again decodes the configuration once more into a state, to
// place those rules' errors.
func finish(st *state, tenants []attribution.Tenant, name string, opts []connector.Option, again func(*state) []attribution.Tenant) (*Config, error) {
	dir, err := attribution.NewDirectory(tenants, opts...)
	if err == nil && len(st.errs) == 0 {
		return &Config{Tenants: tenants, Source: name, dir: dir}, nil
	}
	errs := st.errs
	if err != nil {
		semErrs := mapBuildErrors(err, locate(err, st.read, again, name))
		if len(st.errs) == 0 {
			errs = semErrs
		} else {
			// Rules broken only because a record did not decode are not
			// reported: the decoding error says what is wrong.
			ix := newTaintIndex(st.errs)
			for _, e := range semErrs {
				if !ix.taints(e) {
					errs = append(errs, e)
				}
			}
		}
	}
	nameErrors(errs, tenants)
	return nil, sortErrors(errs)
}
