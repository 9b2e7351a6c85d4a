// Package labeltree indexes values by domain pattern — exact
// ("contoso.com"), wildcard ("*.contoso.com": the name and everything
// below it) and any ("*") — and answers "which stored patterns cover this
// name?", label by label.
//
// A [Tree] is the structural index: a radix tree (github.com/armon/go-radix)
// over reversed-label keys that end in a dot ("com.contoso."), so that every
// prefix match stops on a label boundary and "com.contoso." never matches
// "com.evilcontoso." or "com.contoso-evil.". It answers exact, covering and
// subtree queries, and is what builders use to detect conflicts.
//
// A [Frozen] index is the read-only form for hot paths, derived from a Tree:
// one hash map keyed by name, walked from the name up through its parents.
// It answers the same [Frozen.Match] question with fewer memory accesses and
// no radix nodes to keep.
//
// Lookups with a parsed [domain.Name] do not allocate.
package labeltree

import (
	"iter"
	"sync"

	"github.com/armon/go-radix"

	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/pmap"
)

// slot holds the values stored under one base name: one for the exact
// pattern and one for the wildcard pattern (at the root: the any pattern).
type slot[V any] struct {
	base              domain.Name
	exact, wild       V
	hasExact, hasWild bool
}

func (s *slot[V]) get(k domain.PatternKind) (V, bool) {
	if k == domain.Exact {
		return s.exact, s.hasExact
	}
	return s.wild, s.hasWild
}

// wildKind is the kind of the pattern held in the wild slot of s.
func (s *slot[V]) wildKind() domain.PatternKind {
	if s.base.IsValid() {
		return domain.Wildcard
	}
	return domain.Any
}

func (s *slot[V]) pattern(k domain.PatternKind) domain.Pattern {
	switch k {
	case domain.Exact:
		return domain.ExactPattern(s.base)
	case domain.Wildcard:
		return domain.WildcardPattern(s.base)
	}
	return domain.AnyPattern()
}

// Tree maps domain patterns to values of type V.
//
// The zero Tree is not usable; create one with [New]. A Tree is not safe for
// concurrent writes; once writes stop, any number of goroutines may read it.
// Build a Tree, then [Tree.Freeze] it for the lookup path.
//
// Inserts and exact lookups ([Tree.Insert], [Tree.Get]) go to a hash map
// of slots; the radix tree that answers the structural queries
// ([Tree.Match], [Tree.Covering], [Tree.Subtree], [Tree.All]) is built
// from it on the first such query and kept in step afterwards. A builder
// that only inserts, detects duplicates and freezes (a directory of a
// million tenants does) never pays for radix nodes: measured in
// benchmarks/RESULTS.md.
type Tree[V any] struct {
	mu    sync.Mutex              // guards the lazy build of radix; go vet: do not copy
	slots *pmap.Builder[*slot[V]] // by base name; "" holds "*"
	// shared is set once Freeze handed slots to a Frozen index: the next
	// write copies them first.
	shared bool
	radix  *radix.Tree // nil until a structural query needs it
	n      int
}

// New returns an empty Tree.
func New[V any]() *Tree[V] { return NewWithCap[V](0) }

// NewWithCap returns an empty Tree with room for about n base names, so
// that a builder that knows its size does not grow the index step by step.
func NewWithCap[V any](n int) *Tree[V] {
	return &Tree[V]{slots: pmap.NewBuilder(pmap.Map[*slot[V]]{}, max(n, 0))}
}

// Len returns the number of stored patterns.
func (t *Tree[V]) Len() int { return t.n }

// tree returns the radix tree over the slots, building it on first use.
func (t *Tree[V]) tree() *radix.Tree {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.radix == nil {
		r := radix.New()
		for _, s := range t.slots.All() {
			r.Insert(s.base.Key(), s)
		}
		t.radix = r
	}
	return t.radix
}

// Insert stores v under p, replacing and returning any value already
// stored under exactly p. An invalid pattern is ignored and reported as
// not replaced.
func (t *Tree[V]) Insert(p domain.Pattern, v V) (old V, replaced bool) {
	if !p.IsValid() {
		return old, false
	}
	if t.shared {
		t.unshare()
	}
	s, _ := t.slots.Get(p.Base().String())
	if s == nil {
		s = &slot[V]{base: p.Base()}
		t.slots.Set(p.Base().String(), s)
		t.mu.Lock()
		if t.radix != nil {
			t.radix.Insert(p.Base().Key(), s)
		}
		t.mu.Unlock()
	}
	if p.Kind() == domain.Exact {
		old, replaced = s.exact, s.hasExact
		s.exact, s.hasExact = v, true
	} else {
		old, replaced = s.wild, s.hasWild
		s.wild, s.hasWild = v, true
	}
	if !replaced {
		t.n++
	}
	return old, replaced
}

// unshare gives t its own copy of the slots a Frozen index shares, so
// that writing to t does not change the index.
func (t *Tree[V]) unshare() {
	slots := pmap.NewBuilder(pmap.Map[*slot[V]]{}, t.slots.Len())
	for k, s := range t.slots.All() {
		c := *s
		slots.Set(k, &c)
	}
	t.slots, t.shared = slots, false
	t.mu.Lock()
	t.radix = nil // it points at the shared slots; rebuilt on demand
	t.mu.Unlock()
}

// Get returns the value stored under exactly p.
func (t *Tree[V]) Get(p domain.Pattern) (V, bool) {
	var zero V
	if !p.IsValid() {
		return zero, false
	}
	if s, _ := t.slots.Get(p.Base().String()); s != nil {
		return s.get(p.Kind())
	}
	return zero, false
}

// Match returns the most specific stored pattern that matches n, and its
// value: the exact pattern n, else the wildcard with the longest base
// covering n, else "*". It reports false when no stored pattern matches.
func (t *Tree[V]) Match(n domain.Name) (domain.Pattern, V, bool) {
	var best *slot[V]
	var bestKind domain.PatternKind
	if n.IsValid() {
		key := n.Key()
		// WalkPath visits the stored keys that are prefixes of key, root
		// first; the last covering one is the most specific.
		t.tree().WalkPath(key, func(k string, v any) bool {
			s := v.(*slot[V])
			switch {
			case len(k) == len(key) && s.hasExact:
				best, bestKind = s, domain.Exact
			case s.hasWild:
				best, bestKind = s, s.wildKind()
			}
			return false
		})
	}
	if best == nil {
		var zero V
		return domain.Pattern{}, zero, false
	}
	v, _ := best.get(bestKind)
	return best.pattern(bestKind), v, true
}

// Covering yields every stored pattern that matches n with its value, most
// specific first: the exact pattern n, then wildcards from the longest base
// to the shortest, then "*".
func (t *Tree[V]) Covering(n domain.Name) iter.Seq2[domain.Pattern, V] {
	return func(yield func(domain.Pattern, V) bool) {
		if !n.IsValid() {
			return
		}
		key := n.Key()
		var buf [16]*slot[V]
		path := buf[:0]
		t.tree().WalkPath(key, func(_ string, v any) bool {
			path = append(path, v.(*slot[V]))
			return false
		})
		for i := len(path) - 1; i >= 0; i-- {
			s := path[i]
			if i == len(path)-1 && len(s.base.Key()) == len(key) && s.hasExact {
				if !yield(s.pattern(domain.Exact), s.exact) {
					return
				}
			}
			if s.hasWild && !yield(s.pattern(s.wildKind()), s.wild) {
				return
			}
		}
	}
}

// Subtree yields every stored pattern whose base is n or lies below n, in
// key order (a name before its subdomains). With the zero Name it yields
// every stored pattern, "*" first.
func (t *Tree[V]) Subtree(n domain.Name) iter.Seq2[domain.Pattern, V] {
	return func(yield func(domain.Pattern, V) bool) {
		t.tree().WalkPrefix(n.Key(), func(_ string, v any) bool {
			s := v.(*slot[V])
			if s.hasExact && !yield(s.pattern(domain.Exact), s.exact) {
				return true
			}
			if s.hasWild && !yield(s.pattern(s.wildKind()), s.wild) {
				return true
			}
			return false
		})
	}
}

// All yields every stored pattern and its value, in key order.
func (t *Tree[V]) All() iter.Seq2[domain.Pattern, V] { return t.Subtree(domain.Name{}) }

// Frozen is a read-only index derived from a [Tree] by [Tree.Freeze],
// shaped for the lookup path: one hash map from name to slot, walked from
// the looked-up name through its parents. It shares the Tree's values.
//
// A Frozen index is immutable and safe for any number of concurrent
// readers. The zero Frozen is an empty index.
type Frozen[V any] struct {
	slots pmap.Map[*slot[V]]
	any   *slot[V] // the root slot, when "*" is stored
	n     int
}

// Freeze returns a Frozen index holding the patterns and values stored in t
// now. Later changes to t are not reflected in it: the index shares t's
// slots until t is next written to, and that write copies them first.
func (t *Tree[V]) Freeze() *Frozen[V] {
	t.shared = true
	any, _ := t.slots.Get("")
	return &Frozen[V]{slots: t.slots.Map(), any: any, n: t.n}
}

// Len returns the number of stored patterns.
func (f *Frozen[V]) Len() int { return f.n }

// Lookup returns the value stored under the exact pattern n.
func (f *Frozen[V]) Lookup(n domain.Name) (V, bool) {
	if s := f.slots.Value(n.String()); s != nil && s.hasExact {
		return s.exact, true
	}
	var zero V
	return zero, false
}

// Match returns the most specific stored pattern that matches n, with the
// same answer as [Tree.Match].
func (f *Frozen[V]) Match(n domain.Name) (domain.Pattern, V, bool) {
	if n.IsValid() {
		if s := f.slots.Value(n.String()); s != nil {
			if s.hasExact {
				return s.pattern(domain.Exact), s.exact, true
			}
			if s.hasWild {
				return s.pattern(domain.Wildcard), s.wild, true
			}
		}
		for p, ok := n.Parent(); ok; p, ok = p.Parent() {
			if s := f.slots.Value(p.String()); s != nil && s.hasWild {
				return s.pattern(domain.Wildcard), s.wild, true
			}
		}
		if f.any != nil {
			return domain.AnyPattern(), f.any.wild, true
		}
	}
	var zero V
	return domain.Pattern{}, zero, false
}

// Any returns the value stored under "*".
func (f *Frozen[V]) Any() (V, bool) {
	if f.any == nil {
		var zero V
		return zero, false
	}
	return f.any.wild, true
}

// Covering yields every stored pattern that matches n, most specific first,
// like [Tree.Covering].
func (f *Frozen[V]) Covering(n domain.Name) iter.Seq2[domain.Pattern, V] {
	return func(yield func(domain.Pattern, V) bool) {
		if !n.IsValid() {
			return
		}
		if s := f.slots.Value(n.String()); s != nil && s.hasExact {
			if !yield(s.pattern(domain.Exact), s.exact) {
				return
			}
		}
		for p, ok := n, true; ok; p, ok = p.Parent() {
			if s := f.slots.Value(p.String()); s != nil && s.hasWild {
				if !yield(s.pattern(domain.Wildcard), s.wild) {
					return
				}
			}
		}
		if f.any != nil {
			yield(domain.AnyPattern(), f.any.wild)
		}
	}
}

// Editor makes a new Frozen index from an old one by a few writes: the
// new index shares every slot and every hash-map leaf the writes do not
// touch, and the old index never changes (see package pmap). An Editor
// is not safe for concurrent use.
type Editor[V any] struct {
	slots *pmap.Builder[*slot[V]]
	own   map[string]bool // slots this editor copied, writable in place
	n     int
}

// Edit returns an Editor starting from f (nil: from an empty index).
func (f *Frozen[V]) Edit() *Editor[V] {
	e := &Editor[V]{own: map[string]bool{}}
	var m pmap.Map[*slot[V]]
	if f != nil {
		m, e.n = f.slots, f.n
	}
	e.slots = pmap.NewBuilder(m, 0)
	return e
}

// Get returns the value stored under exactly p.
func (e *Editor[V]) Get(p domain.Pattern) (V, bool) {
	if s := e.slots.Value(p.Base().String()); s != nil && p.IsValid() {
		return s.get(p.Kind())
	}
	var zero V
	return zero, false
}

// writable returns the slot of base name k, copied for this editor.
func (e *Editor[V]) writable(k string, base domain.Name) *slot[V] {
	s := e.slots.Value(k)
	if e.own[k] && s != nil {
		return s
	}
	c := &slot[V]{base: base}
	if s != nil {
		*c = *s
	}
	e.slots.Set(k, c)
	e.own[k] = true
	return c
}

// Set stores v under p. An invalid pattern is ignored.
func (e *Editor[V]) Set(p domain.Pattern, v V) {
	if !p.IsValid() {
		return
	}
	s := e.writable(p.Base().String(), p.Base())
	if p.Kind() == domain.Exact {
		if !s.hasExact {
			e.n++
		}
		s.exact, s.hasExact = v, true
	} else {
		if !s.hasWild {
			e.n++
		}
		s.wild, s.hasWild = v, true
	}
}

// Delete removes the value stored under exactly p.
func (e *Editor[V]) Delete(p domain.Pattern) {
	if _, ok := e.Get(p); !ok {
		return
	}
	k := p.Base().String()
	s := e.writable(k, p.Base())
	var zero V
	if p.Kind() == domain.Exact {
		s.exact, s.hasExact = zero, false
	} else {
		s.wild, s.hasWild = zero, false
	}
	e.n--
	if !s.hasExact && !s.hasWild {
		e.slots.Delete(k)
		delete(e.own, k)
	}
}

// Frozen returns the index built so far. Later writes to the editor do
// not change it.
func (e *Editor[V]) Frozen() *Frozen[V] {
	clear(e.own)
	m := e.slots.Map()
	return &Frozen[V]{slots: m, any: m.Value(""), n: e.n}
}
