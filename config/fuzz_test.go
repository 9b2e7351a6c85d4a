package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: no input makes Parse panic, hang or return both a Config and
// an error; a Config it returns builds; every error has a message and
// positions that make sense; parsing the text does work within a fixed
// multiple of its size (parseStats.check: a deterministic count, where
// timing would not be). Imports are served from testdata/exo/exports
// only. Seeded with every testdata file, as YAML and as JSON, and with
// testdata/fuzz/FuzzParse: inputs that once took seconds (slow-*, see
// slowShapes).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	more, _ := filepath.Glob("testdata/*/*.*")
	exports, _ := filepath.Glob("testdata/*/exports/*.json")
	files = append(append(append(files, more...), exports...), "default.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, strings.HasSuffix(name, ".json"))
	}
	read := func(name string) ([]byte, error) {
		if b, err := os.ReadFile(filepath.Join("testdata/exo/exports", filepath.Base(name))); err == nil {
			return b, nil
		}
		return nil, fs.ErrNotExist
	}
	f.Fuzz(func(t *testing.T, data []byte, json bool) {
		name := "testdata/exo/fuzz.yaml"
		if json {
			name = "testdata/exo/fuzz.json"
		}
		st, text := &parseStats{}, decodeText(data)
		if isJSON(name, text) {
			parseJSONStats(text, st)
		} else {
			parseYAMLStats(text, st)
		}
		if err := st.check(len(text)); err != nil {
			t.Fatal(err)
		}
		c, err := parse(data, name, read, nil, nil)
		if (c == nil) == (err == nil) {
			t.Fatalf("Config %v and error %v", c, err)
		}
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error %T %v, want a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.Msg == "" || e.File == "" || e.Line < 0 || e.Column < 0 || (e.Column > 0 && e.Line == 0) {
					t.Fatalf("bad Error %+v", e)
				}
			}
			return
		}
		if c.Directory() == nil {
			t.Fatal("loaded, but no Directory")
		}
	})
}
