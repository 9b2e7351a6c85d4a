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
	return parse(data, path, os.ReadFile, opts)
}

// loadDir loads the configuration files of dir as one configuration.
func loadDir(dir string, opts []connector.Option) (*Config, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	st := newState(os.ReadFile)
	var tenants []attribution.Tenant
	var syntax ErrorList
	files := 0
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".yaml", ".yml", ".json":
		default:
			continue
		}
		if e.IsDir() {
			continue
		}
		files++
		name := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		root, err := parseRoot(data, name)
		if err != nil {
			syntax = append(syntax, err.(ErrorList)...)
			continue
		}
		if root == nil {
			syntax = append(syntax, &Error{File: name, Msg: "empty configuration: want a Tenants list"})
			continue
		}
		d := &fileDec{state: st, file: name, order: st.fileOrder(name), dir: dir, tenantBase: len(tenants)}
		tenants = append(tenants, d.config(root)...)
	}
	if files == 0 {
		return nil, ErrorList{{File: dir, Msg: "no configuration files (.yaml, .yml, .json) in the directory"}}
	}
	if len(syntax) > 0 {
		return nil, sortErrors(append(syntax, st.errs...))
	}
	return finish(st, tenants, dir, opts)
}

func newState(read func(string) ([]byte, error)) *state {
	return &state{pos: map[string]loc{}, order: map[string]int{}, read: read}
}

// Parse reads a configuration from data, as [Load] does. name is the file
// name used in messages, to choose the format as Load does, and to find
// the files an Import block names (relative to name's directory).
func Parse(data []byte, name string, opts ...connector.Option) (*Config, error) {
	return parse(data, name, os.ReadFile, opts)
}

//go:embed default.yaml
var defaultYAML []byte

func parseDefault(opts []connector.Option) *Config {
	c, err := parse(defaultYAML, "default.yaml", func(string) ([]byte, error) { return nil, os.ErrNotExist }, opts)
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

// parse reads a configuration, with read for the files it imports.
func parse(data []byte, name string, read func(string) ([]byte, error), opts []connector.Option) (*Config, error) {
	st := newState(read)
	d := &fileDec{state: st, file: name, order: st.fileOrder(name), dir: filepath.Dir(name)}
	root, err := parseRoot(data, name)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, ErrorList{{File: name, Msg: "empty configuration: want a Tenants list"}}
	}

	return finish(st, d.config(root), name, opts)
}

// finish builds the directory of decoded tenants, or returns every
// problem: the decoding errors, and the rules broken by records that did
// decode.
func finish(st *state, tenants []attribution.Tenant, name string, opts []connector.Option) (*Config, error) {
	errs := st.errs
	var dir *attribution.Directory
	if len(errs) == 0 {
		var semErrs ErrorList
		dir, semErrs = build(tenants, opts, locator{pos: st.pos, source: name})
		errs = semErrs
	} else if _, semErrs := build(tenants, opts, locator{pos: st.pos, source: name}); semErrs != nil {
		// Rules broken only because a record did not decode are not
		// reported: the decoding error says what is wrong.
		ix := newTaintIndex(st.errs)
		for _, e := range semErrs {
			if !ix.taints(e) {
				errs = append(errs, e)
			}
		}
	}
	if len(errs) > 0 {
		nameErrors(errs, tenants)
		return nil, sortErrors(errs)
	}
	return &Config{Tenants: tenants, Source: name, dir: dir}, nil
}
