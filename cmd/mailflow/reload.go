package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

// tenantDiff is what a reload changes, by tenant ID (compared ignoring
// case, as attribution compares them): the records compared whole.
type tenantDiff struct {
	added, changed, removed []string
}

// diffTenants compares the tenant records of two loads in time linear in
// their number.
func diffTenants(old, cur []attribution.Tenant) tenantDiff {
	byID := make(map[string]*attribution.Tenant, len(old))
	for i := range old {
		byID[strings.ToLower(old[i].ID)] = &old[i]
	}
	var d tenantDiff
	for i := range cur {
		k := strings.ToLower(cur[i].ID)
		o, ok := byID[k]
		switch {
		case !ok:
			d.added = append(d.added, cur[i].ID)
		case !reflect.DeepEqual(*o, cur[i]):
			d.changed = append(d.changed, cur[i].ID)
		}
		delete(byID, k)
	}
	for i := range old {
		if _, ok := byID[strings.ToLower(old[i].ID)]; ok {
			d.removed = append(d.removed, old[i].ID)
		}
	}
	return d
}

// logAttrs describes the diff for the log: counts, and the first IDs.
func (d tenantDiff) logAttrs() []any {
	return []any{
		"added", len(d.added), "changed", len(d.changed), "removed", len(d.removed),
		"added_ids", listSome(d.added), "changed_ids", listSome(d.changed), "removed_ids", listSome(d.removed),
	}
}

// applyDiff returns the directory to serve after a reload. Today it is the
// one the loader built in full from the new configuration (a
// configuration that loads is one that builds); this is the one call to
// switch to the incremental update API of attribution.Directory, applying
// diff to running, when that lands.
func applyDiff(running *attribution.Directory, cfg *config.Config, diff tenantDiff) *attribution.Directory {
	_, _ = running, diff
	return cfg.Directory()
}

// reloadDebounce is how long serve waits after the last change to a
// watched file before it reloads: an editor's save, or a copy into place,
// is several events, and the file is read once they have settled.
const reloadDebounce = 250 * time.Millisecond

// watchFiles watches the directories of paths (an editor replaces a file
// by renaming another onto it, which a watch on the file itself misses)
// and sends on the returned channel once the changes to those paths
// settle. A path that is a directory (--config DIR) is watched itself.
// Errors of the watcher are logged; without a watcher, only SIGHUP
// reloads.
func watchFiles(log *slog.Logger, paths ...string) (<-chan struct{}, func()) {
	out := make(chan struct{}, 1)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Warn("cannot watch the configuration; reload with SIGHUP", "err", err)
		return out, func() {}
	}
	want := map[string]bool{}
	dirs := map[string]bool{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		want[abs] = true
		dirs[filepath.Dir(abs)] = true
		if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
			dirs[abs] = true // --config DIR: the files in it
		}
	}
	for d := range dirs {
		if err := w.Add(d); err != nil {
			log.Warn("cannot watch the configuration; reload with SIGHUP", "dir", d, "err", err)
		}
	}
	go func() {
		var timer *time.Timer
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				name, _ := filepath.Abs(ev.Name)
				if !want[name] && !want[filepath.Dir(name)] {
					continue
				}
				if timer == nil {
					timer = time.AfterFunc(reloadDebounce, func() {
						select {
						case out <- struct{}{}:
						default:
						}
					})
				} else {
					timer.Reset(reloadDebounce)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				log.Warn("watching the configuration", "err", err)
			}
		}
	}()
	return out, func() { w.Close() }
}
