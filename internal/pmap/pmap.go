// Package pmap is a persistent (immutable, structure-sharing) hash map
// with string keys, shaped for read-mostly indexes of millions of keys
// that change a few keys at a time.
//
// A [Map] is a fixed two-level array of small Go maps, chosen by a hash
// of the key: 256 × 64 = 16,384 leaves. A lookup hashes the key once to
// pick the leaf, then looks the key up in that leaf — one step more than
// a plain Go map, and no tree walk. A [Builder] changes a copy: the first
// write to a leaf copies that leaf (and the two small arrays above it),
// so a new Map shares every untouched leaf with the old one, and the old
// Map never changes. Readers need no lock.
package pmap

import (
	"hash/maphash"
	"iter"
)

const (
	topBits = 8
	midBits = 6
	nTop    = 1 << topBits
	nMid    = 1 << midBits
	nLeaves = nTop * nMid
)

var seed = maphash.MakeSeed()

type mid[V any] [nMid]map[string]V

// Map is an immutable hash map from string to V. The zero Map is empty.
// A Map is a small value (a pointer and a count): copy it freely.
type Map[V any] struct {
	root *[nTop]*mid[V]
	n    int
}

func slot(k string) (top, leaf uint64) {
	h := maphash.String(seed, k)
	return h >> (64 - topBits), (h >> (64 - topBits - midBits)) & (nMid - 1)
}

// Get returns the value stored under k.
func (m Map[V]) Get(k string) (V, bool) {
	if m.root != nil {
		t, l := slot(k)
		if md := m.root[t]; md != nil {
			v, ok := md[l][k]
			return v, ok
		}
	}
	var zero V
	return zero, false
}

// Value returns the value stored under k, or the zero V.
func (m Map[V]) Value(k string) V {
	if m.root != nil {
		t, l := slot(k)
		if md := m.root[t]; md != nil {
			return md[l][k]
		}
	}
	var zero V
	return zero
}

// Len returns the number of keys.
func (m Map[V]) Len() int { return m.n }

// All yields every key and value, in no particular order.
func (m Map[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if m.root == nil {
			return
		}
		for _, md := range m.root {
			if md == nil {
				continue
			}
			for _, lf := range md {
				for k, v := range lf {
					if !yield(k, v) {
						return
					}
				}
			}
		}
	}
}

// Builder makes a new Map from an old one (or from nothing) by writes
// that copy only what they change. A Builder is not safe for concurrent
// use; the Maps it returns are.
type Builder[V any] struct {
	m Map[V]
	// owned marks the top slots and leaves this builder copied already
	// (and may write in place) since the last Map call.
	ownedRoot bool
	ownedMid  [nTop]bool
	ownedLeaf [nLeaves / 64]uint64
	hint      int // expected keys per leaf, for new leaves
}

// NewBuilder returns a Builder starting from m. sizeHint is the number
// of keys the final Map is expected to hold (0 if unknown), so that a
// builder filling an empty map sizes its leaves once.
func NewBuilder[V any](m Map[V], sizeHint int) *Builder[V] {
	return &Builder[V]{m: m, hint: sizeHint / nLeaves}
}

// Get returns the value stored under k.
func (b *Builder[V]) Get(k string) (V, bool) { return b.m.Get(k) }

// Value returns the value stored under k, or the zero V.
func (b *Builder[V]) Value(k string) V { return b.m.Value(k) }

// Len returns the number of keys.
func (b *Builder[V]) Len() int { return b.m.n }

// All yields every key and value, in no particular order.
func (b *Builder[V]) All() iter.Seq2[string, V] { return b.m.All() }

// leaf returns the leaf for k, writable.
func (b *Builder[V]) leaf(k string) map[string]V {
	t, l := slot(k)
	if !b.ownedRoot {
		r := new([nTop]*mid[V])
		if b.m.root != nil {
			*r = *b.m.root
		}
		b.m.root, b.ownedRoot = r, true
	}
	md := b.m.root[t]
	if !b.ownedMid[t] {
		c := new(mid[V])
		if md != nil {
			*c = *md
		}
		md = c
		b.m.root[t], b.ownedMid[t] = c, true
	}
	i := t<<midBits | l
	if b.ownedLeaf[i/64]&(1<<(i%64)) == 0 {
		old := md[l]
		c := make(map[string]V, max(len(old)+1, b.hint))
		for k, v := range old {
			c[k] = v
		}
		md[l] = c
		b.ownedLeaf[i/64] |= 1 << (i % 64)
	}
	return md[l]
}

// Set stores v under k.
func (b *Builder[V]) Set(k string, v V) {
	lf := b.leaf(k)
	n := len(lf)
	lf[k] = v
	b.m.n += len(lf) - n
}

// Delete removes k.
func (b *Builder[V]) Delete(k string) {
	if _, ok := b.m.Get(k); !ok {
		return
	}
	lf := b.leaf(k)
	delete(lf, k)
	b.m.n--
}

// Map returns the Map built so far. Later writes to the builder do not
// change it.
func (b *Builder[V]) Map() Map[V] {
	b.ownedRoot = false
	b.ownedMid = [nTop]bool{}
	b.ownedLeaf = [nLeaves / 64]uint64{}
	return b.m
}
