package config

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	encunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// This file turns YAML and JSON text into one tree of nodes that keep their
// line and column, so that the decoder can work on either format and point
// at what it refuses.

type nodeKind uint8

const (
	nullNode nodeKind = iota
	scalarNode
	mapNode
	seqNode
)

func (k nodeKind) String() string {
	switch k {
	case nullNode:
		return "null"
	case scalarNode:
		return "a scalar"
	case mapNode:
		return "a mapping"
	}
	return "a list"
}

// scalar types, as the format resolved them.
const (
	tagStr  = "str"
	tagBool = "bool"
	tagNum  = "num"
)

// node is a value of the document: a scalar (text and resolved type), a
// mapping (keys and values, in order, duplicates kept) or a list.
type node struct {
	kind      nodeKind
	tag       string // scalars: tagStr, tagBool or tagNum
	text      string // scalars: the value as written (unquoted)
	keys      []*node
	vals      []*node
	items     []*node
	line, col int // 1-based; 0 when unknown
}

// maxDepth bounds nesting. There is no bound on the size of a document:
// the work of a parse is kept linear in the size of its input instead
// (see parseStats), and what aliases can make of a small file is bounded
// relative to its size (aliasLimit).
const maxDepth = 1000

// parseStats counts the work of one parse that grows faster than the
// input when done naively: re-parsing prefixes to place an error, walking
// a long line from its start for each value on it, comparing each merged
// key with every key, expanding aliases. The tests (FuzzParse among them)
// check that each stays within a fixed multiple of the input's size.
type parseStats struct {
	read     int // bytes handed to the YAML and JSON parsers, re-reads to place an error included
	walked   int // bytes walked to turn offsets into lines and columns
	nodes    int // nodes built, expanded ones included
	expanded int // nodes built by expanding aliases, and keys copied by merge keys (<<)
	lookups  int // keys looked up to apply merge keys
}

// sliceReader hands out data at most chunk bytes a call (all when chunk is
// 0), counting them. The parsers are streaming: with chunk 1, when one
// fails it has read exactly as far as it had to, so the last byte read is
// the one that decided the failure.
type sliceReader struct {
	data  []byte
	off   int
	chunk int
	st    *parseStats
}

func (r *sliceReader) Read(p []byte) (int, error) {
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	if r.chunk > 0 && len(p) > r.chunk {
		p = p[:r.chunk]
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	r.st.read += n
	return n, nil
}

// syntaxError is a parse failure with its position.
type syntaxError struct {
	line, col int
	msg       string
	hint      string
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText converts a byte-order-marked UTF-16 file to UTF-8 and drops a
// UTF-8 byte-order mark (x/text's BOMOverride). Windows PowerShell 5.1
// writes UTF-16 LE with a mark when output is redirected with ">". Text
// without a mark is returned as it is, neither copied nor "repaired":
// checkChars reports invalid UTF-8 where it is. Nor is UTF-16 that does not
// decode (an unpaired surrogate, an odd number of bytes): the decoder would
// turn it into U+FFFD without a word, so it is returned undecoded, mark
// included, for utf16Error to say what and where.
func decodeText(data []byte) []byte {
	order, isUTF16 := utf16Order(data)
	if !isUTF16 && !bytes.HasPrefix(data, utf8BOM) {
		return data
	}
	out, _, err := transform.Bytes(encunicode.BOMOverride(transform.Nop), data)
	if err != nil || isUTF16 && badUTF16(data[2:], out, order) >= 0 {
		return data
	}
	return out
}

// utf16Order returns the byte order that a UTF-16 byte-order mark at the
// start of data gives, if there is one.
func utf16Order(data []byte) (encunicode.Endianness, bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return encunicode.LittleEndian, true
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return encunicode.BigEndian, true
	}
	return encunicode.BigEndian, false
}

// badUTF16 returns the offset in src (UTF-16 in byte order e, after the
// mark) of the first code unit that does not decode, or -1, given text,
// what src decodes to. Only what does not decode decodes to U+FFFD without
// being U+FFFD, and everything else encodes back to the same bytes: the
// first byte that differs after a round trip is in the first bad unit.
func badUTF16(src, text []byte, e encunicode.Endianness) int {
	if !bytes.ContainsRune(text, utf8.RuneError) {
		return -1
	}
	back, _, err := transform.Bytes(encunicode.UTF16(e, encunicode.IgnoreBOM).NewEncoder(), text)
	if err != nil {
		return 0
	}
	n := min(len(src), len(back))
	for i := range n {
		if src[i] != back[i] {
			return i &^ 1
		}
	}
	if len(src) != len(back) {
		return n &^ 1
	}
	return -1
}

// utf16Error reports UTF-16 that decodeText left undecoded because it does
// not decode, at the line and column it would have had.
func utf16Error(data []byte, st *parseStats) *syntaxError {
	order, ok := utf16Order(data)
	if !ok {
		return nil
	}
	src := data[2:]
	dec := encunicode.UTF16(order, encunicode.IgnoreBOM).NewDecoder()
	text, _, _ := transform.Bytes(dec, src)
	bad := badUTF16(src, text, order)
	if bad < 0 {
		return nil
	}
	before, _, _ := transform.Bytes(dec, src[:bad])
	line, col := newLineIndex(before, st).pos(len(before))
	msg := "invalid UTF-16: an odd number of bytes (the file is cut short?)"
	if bad+1 < len(src) {
		u := binary.LittleEndian.Uint16(src[bad:])
		if order == encunicode.BigEndian {
			u = binary.BigEndian.Uint16(src[bad:])
		}
		msg = fmt.Sprintf("invalid UTF-16: unpaired surrogate %U", u)
	}
	return &syntaxError{line: line, col: col, msg: msg}
}

// lineIndex converts byte offsets into 1-based lines and columns (columns
// count characters, as YAML's do). It walks on from the offset asked last:
// the JSON parser asks in increasing order, so the text is walked once
// however long its lines are (minified JSON is one line), where counting
// from the start of the line for every value took time quadratic in its
// length. An offset before the last one is walked to from the start.
type lineIndex struct {
	data      []byte
	off       int // data[:off] has been walked
	line, col int // the position of off
	st        *parseStats
}

func newLineIndex(data []byte, st *parseStats) *lineIndex {
	return &lineIndex{data: data, line: 1, col: 1, st: st}
}

func (li *lineIndex) pos(off int) (line, col int) {
	off = min(max(off, 0), len(li.data))
	if off < li.off {
		li.off, li.line, li.col = 0, 1, 1
	}
	seg := li.data[li.off:off]
	li.st.walked += len(seg)
	line, col = li.line, li.col
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		line += bytes.Count(seg, []byte{'\n'})
		col = 1
		seg = seg[i+1:]
	}
	col += utf8.RuneCount(seg)
	// Move on only to a byte that starts a character: no character spans
	// it, so columns count as they would from the start of the line.
	if off == len(li.data) || utf8.RuneStart(li.data[off]) {
		li.off, li.line, li.col = off, line, col
	}
	return line, col
}

// checkChars refuses invalid UTF-8 and control characters, which the YAML
// parser reports without a position.
func checkChars(data []byte, st *parseStats) *syntaxError {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			line, col := newLineIndex(data, st).pos(i)
			return &syntaxError{line: line, col: col, msg: "invalid UTF-8"}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7F:
			line, col := newLineIndex(data, st).pos(i)
			return &syntaxError{line: line, col: col, msg: fmt.Sprintf("control character %U is not allowed", r)}
		}
		i += n
	}
	return nil
}

// parseJSON reads one JSON value into a node tree. Unlike encoding/json's
// struct decoding it keeps every key of an object, duplicates and
// case-variants included ({"value": 1, "Value": "OnPremises"}).
func parseJSON(data []byte) (*node, *syntaxError) {
	return parseJSONStats(data, &parseStats{})
}

func parseJSONStats(data []byte, st *parseStats) (*node, *syntaxError) {
	if serr := utf16Error(data, st); serr != nil {
		return nil, serr
	}
	p := &jsonParser{data: data, li: newLineIndex(data, st), dec: json.NewDecoder(&sliceReader{data: data, st: st}), errAt: -1, st: st}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err == nil {
		end := p.skip(int(p.dec.InputOffset()))
		if _, err2 := p.dec.Token(); err2 != io.EOF {
			line, col := p.li.pos(end)
			return nil, &syntaxError{line: line, col: col, msg: "unexpected data after the top-level value"}
		}
		return n, nil
	}
	var serr *json.SyntaxError
	off := len(data)
	msg := err.Error()
	switch {
	case errors.As(err, &serr):
		off = syntaxOffset(data, int(serr.Offset), st)
	case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
		msg = "unexpected end of input"
		if len(bytes.TrimSpace(data)) == 0 {
			msg = "empty file"
		}
	case p.errAt >= 0:
		off = p.errAt
	}
	line, col := p.li.pos(off)
	return nil, &syntaxError{line: line, col: col, msg: strings.TrimPrefix(msg, "json: ")}
}

// syntaxOffset returns the offset of the byte that makes data invalid
// JSON: the decoder's own offset is where it started scanning a value,
// not where it failed. The tokens are read once more, from a reader that
// hands out one byte a call: the decoder reads no further than it must, so
// when it reports a syntax error the last byte read is the one at fault
// (the last byte of the shortest prefix that holds the error; a prefix only
// cut short is no syntax error). When data holds none, fallback.
func syntaxOffset(data []byte, fallback int, st *parseStats) int {
	r := &sliceReader{data: data, chunk: 1, st: st}
	dec := json.NewDecoder(r)
	for {
		if _, err := dec.Token(); err != nil {
			var serr *json.SyntaxError
			if errors.As(err, &serr) {
				return max(r.off-1, 0)
			}
			return fallback
		}
	}
}

type jsonParser struct {
	data  []byte
	li    *lineIndex
	dec   *json.Decoder
	errAt int
	st    *parseStats
}

// skip returns the offset of the next token at or after off: the decoder
// reports where the previous token ended, before any ':' or ','.
func (p *jsonParser) skip(off int) int {
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) value(depth int) (*node, error) {
	start := p.skip(int(p.dec.InputOffset()))
	p.errAt = -1
	if depth > maxDepth {
		p.errAt = start
		return nil, errors.New("nested too deeply or too large")
	}
	p.st.nodes++
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &node{}
	n.line, n.col = p.li.pos(start)
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n.kind = mapNode
			for p.dec.More() {
				kstart := p.skip(int(p.dec.InputOffset()))
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				k := &node{kind: scalarNode, tag: tagStr, text: ktok.(string)}
				p.st.nodes++
				k.line, k.col = p.li.pos(kstart)
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
		} else {
			n.kind = seqNode
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.tag, n.text = scalarNode, tagStr, t
	case json.Number:
		n.kind, n.tag, n.text = scalarNode, tagNum, t.String()
	case bool:
		n.kind, n.tag, n.text = scalarNode, tagBool, strconv.FormatBool(t)
	case nil:
		n.kind = nullNode
	}
	return n, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAML reads the first YAML document into a node tree; a file with
// more than one document is refused. An empty file gives a nil node.
func parseYAML(data []byte) (*node, *syntaxError) {
	return parseYAMLStats(data, &parseStats{})
}

func parseYAMLStats(data []byte, st *parseStats) (*node, *syntaxError) {
	if serr := utf16Error(data, st); serr != nil {
		return nil, serr
	}
	if serr := checkChars(data, st); serr != nil {
		return nil, serr
	}
	dec := yaml.NewDecoder(&sliceReader{data: data, st: st})
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, yamlError(data, err, st)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		line := more.Line
		if err != nil {
			return nil, yamlError(data, err, st)
		}
		return nil, &syntaxError{line: line, msg: "more than one YAML document (---): put everything in one"}
	}
	c := &yamlConv{st: st, limit: aliasLimit(len(data))}
	n, serr := c.conv(&doc, 0)
	if serr != nil {
		return nil, serr
	}
	return n, nil
}

// yamlRead parses data as parseYAML does (the first document, then
// whether a second follows), from a reader that hands out chunk bytes a
// call (0: all), and returns the parser's error and how many bytes had
// been read when it stopped.
func yamlRead(data []byte, chunk int, st *parseStats) (read int, err error) {
	r := &sliceReader{data: data, chunk: chunk, st: st}
	dec := yaml.NewDecoder(r)
	for range 2 {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err == io.EOF {
				err = nil
			}
			return r.off, err
		}
	}
	return r.off, nil
}

// yamlError turns the parser's message ("yaml: line 3: …") into a
// syntaxError. The parser gives the line of the enclosing block, not of
// the problem, and none at all when that is the first line; the line
// reported is instead the first at which the text read so far fails the
// same way (yamlErrorLine). A "*" that starts a plain scalar is the usual
// mistake in this format (SenderDomains: [*]): it is YAML's alias
// indicator, so it gets a hint.
func yamlError(data []byte, err error, st *parseStats) *syntaxError {
	line, msg := yamlMessage(err)
	serr := &syntaxError{line: line, msg: msg}
	if l, c, ok := findBareStar(data); ok {
		serr.line, serr.col = l, c
		serr.hint = `quote it ("*", "*.contoso.com"): an unquoted * starts a YAML alias`
		return serr
	}
	serr.line = yamlErrorLine(data, max(line, 1), msg, st)
	if strings.HasPrefix(msg, "exceeded max depth") {
		// The parser's own limit on nesting (deeper than maxDepth, which
		// conv enforces with a column): the nesting that goes too deep
		// starts on this line, after its indentation.
		start := lineEnd(data, serr.line-1)
		rest := data[start:lineEnd(data, serr.line)]
		serr.col = 1 + len(rest) - len(bytes.TrimLeft(rest, " \t"))
	}
	return serr
}

// yamlErrorLine returns the first line from start on (the line the parser
// named) such that the text up to the end of that line fails with message
// msg. Parsing every such prefix in turn took time quadratic in the size
// of the file; here a few prefixes are parsed. The first is start's own.
// Then the whole text is parsed once more from a reader that hands out one
// byte a call: when the parser fails it has read exactly as far as it had
// to, so the line of the last byte read (hi) fails the same way. The
// parser reads a little ahead (to the end of a plain scalar, over blank
// lines, to the next token), so the line wanted is in (start, hi]:
// galloping down from hi, then bisecting, finds it in a few more parses.
// They stop after re-reading 8 times the size of the file, with the lowest
// failing line found so far, so that placing the error stays linear in the
// size of the file.
func yamlErrorLine(data []byte, start int, msg string, st *parseStats) int {
	budget := 8 * len(data)
	fails := func(line int) (failed, ok bool) {
		end := lineEnd(data, line)
		if budget -= end; budget < 0 {
			return false, false
		}
		_, err := yamlRead(data[:end], 0, st)
		if err == nil {
			return false, true
		}
		_, m := yamlMessage(err)
		return m == msg, true
	}
	if f, _ := fails(start); f {
		return start
	}
	read, _ := yamlRead(data, 1, st)
	hi := 1 + bytes.Count(data[:max(read-1, 0)], []byte{'\n'})
	if hi <= start {
		return start
	}
	lo := start // does not fail; hi does
	for step := 1; hi-step > lo; step *= 2 {
		f, ok := fails(hi - step)
		if !ok {
			return hi
		}
		if !f {
			lo = hi - step
			break
		}
		hi -= step
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		f, ok := fails(mid)
		if !ok {
			break
		}
		if f {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// lineEnd returns the offset just after line (1-based) and its newline.
func lineEnd(data []byte, line int) int {
	off := 0
	for ; line > 0; line-- {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	return off
}

// yamlMessage splits the parser's error into its line (0 when absent) and
// message.
func yamlMessage(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, msg[len(m[0]):]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

var bareStar = regexp.MustCompile(`(?:^|[:\[,-])[ \t]*(\*)`)

// findBareStar finds the first unquoted "*" that starts a value.
func findBareStar(data []byte) (line, col int, ok bool) {
	for i, l := range strings.Split(string(data), "\n") {
		if j := strings.IndexByte(l, '#'); j >= 0 {
			l = l[:j]
		}
		if m := bareStar.FindStringSubmatchIndex(l); m != nil {
			rest := l[m[2]:]
			if len(rest) == 1 || strings.ContainsRune(" \t,]}.\r", rune(rest[1])) {
				return i + 1, utf8.RuneCountInString(l[:m[2]]) + 1, true
			}
		}
	}
	return 0, 0, false
}

// aliasLimit returns how many nodes the aliases and merge keys of a YAML
// document of size bytes may expand to. A few aliases can stand for any
// number of nodes (ten lines of ten aliases each to the line before:
// 10¹⁰); a limit in proportion to the input keeps the work of building the
// tree, and of decoding it, linear in the size of the input, with room for
// a small file to share a long list many times.
func aliasLimit(size int) int { return 1<<16 + 2*size }

type yamlConv struct {
	st       *parseStats
	limit    int        // nodes the aliases and merge keys may expand to
	expanded int        // nodes built by expanding aliases, keys copied by merge keys
	alias    *yaml.Node // the outermost alias being expanded; nil outside aliases
}

// expand counts n nodes of expansion and refuses the document when they
// are too many, at y: the alias or merge key the user wrote.
func (c *yamlConv) expand(n int, y *yaml.Node, what string) *syntaxError {
	c.expanded += n
	c.st.expanded += n
	if c.expanded <= c.limit {
		return nil
	}
	return &syntaxError{line: y.Line, col: y.Column,
		msg: fmt.Sprintf("document nested too deeply or too large: YAML %s expand to more than %d nodes", what, c.limit)}
}

func (c *yamlConv) conv(y *yaml.Node, depth int) (*node, *syntaxError) {
	if depth > maxDepth {
		return nil, &syntaxError{line: y.Line, col: y.Column, msg: "document nested too deeply or too large (aliases?)"}
	}
	c.st.nodes++
	if c.alias != nil {
		if serr := c.expand(1, c.alias, "aliases"); serr != nil {
			return nil, serr
		}
	}
	n := &node{line: y.Line, col: y.Column}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return nil, nil
		}
		return c.conv(y.Content[0], depth+1)
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, &syntaxError{line: y.Line, col: y.Column, msg: "unknown alias"}
		}
		if c.alias != nil {
			return c.conv(y.Alias, depth+1)
		}
		c.alias = y
		a, serr := c.conv(y.Alias, depth+1)
		c.alias = nil
		return a, serr
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!null":
			n.kind = nullNode
		case "!!bool":
			n.kind, n.tag, n.text = scalarNode, tagBool, y.Value
		case "!!int", "!!float":
			n.kind, n.tag, n.text = scalarNode, tagNum, y.Value
		default:
			n.kind, n.tag, n.text = scalarNode, tagStr, y.Value
		}
	case yaml.SequenceNode:
		n.kind = seqNode
		for _, it := range y.Content {
			v, serr := c.conv(it, depth+1)
			if serr != nil {
				return nil, serr
			}
			n.items = append(n.items, v)
		}
	case yaml.MappingNode:
		n.kind = mapNode
		var merged []*node // from "<<" merge keys, added after the explicit keys
		var mergeKey *yaml.Node
		for i := 0; i+1 < len(y.Content); i += 2 {
			yk, yv := y.Content[i], y.Content[i+1]
			if yk.Kind == yaml.ScalarNode && yk.ShortTag() == "!!merge" {
				if mergeKey == nil {
					mergeKey = yk
				}
				m, serr := c.conv(yv, depth+1)
				if serr != nil {
					return nil, serr
				}
				srcs := []*node{m}
				if m.kind == seqNode {
					srcs = m.items
				}
				for _, s := range srcs {
					if s.kind != mapNode {
						return nil, &syntaxError{line: yv.Line, col: yv.Column, msg: "a merge key (<<) needs a mapping or a list of mappings"}
					}
					merged = append(merged, s)
				}
				continue
			}
			if yk.Kind != yaml.ScalarNode {
				return nil, &syntaxError{line: yk.Line, col: yk.Column, msg: "a mapping key must be a plain name"}
			}
			k, serr := c.conv(yk, depth+1)
			if serr != nil {
				return nil, serr
			}
			if k.kind == nullNode {
				k = &node{kind: scalarNode, tag: tagStr, line: yk.Line, col: yk.Column}
			}
			v, serr := c.conv(yv, depth+1)
			if serr != nil {
				return nil, serr
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, v)
		}
		if serr := c.merge(n, merged, mergeKey); serr != nil {
			return nil, serr
		}
	}
	return n, nil
}

// merge adds to n the keys of the merged mappings that n does not have yet,
// compared as strings.EqualFold compares them, in order. The keys present
// are kept in a set of their case-folded forms: looking each merged key up
// among all the keys took time quadratic in the number of keys. The keys
// copied count as expansion (at key, the first merge key): merge keys
// nested in merged mappings copy the same keys again at each level.
func (c *yamlConv) merge(n *node, merged []*node, key *yaml.Node) *syntaxError {
	if len(merged) == 0 {
		return nil
	}
	has := make(map[string]bool, len(n.keys))
	for _, k := range n.keys {
		c.st.lookups++
		has[foldKey(k.text)] = true
	}
	for _, m := range merged {
		for i, k := range m.keys {
			c.st.lookups++
			if f := foldKey(k.text); !has[f] {
				has[f] = true
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, m.vals[i])
				if serr := c.expand(1, key, "merge keys (<<)"); serr != nil {
					return serr
				}
			}
		}
	}
	return nil
}

// foldKey returns s with each rune replaced by the least rune of its
// simple case-folding orbit ('k', 'K' and the Kelvin sign K all become
// 'K'), so that foldKey(a) == foldKey(b) exactly when strings.EqualFold(a,
// b): that compares rune by rune, orbit by orbit. Bytes that are not UTF-8
// become U+FFFD, as EqualFold reads them.
func foldKey(s string) string {
	var b []byte // nil while s is its own fold
	for i, r := range s {
		f := r
		switch {
		case 'a' <= r && r <= 'z':
			f = r - 'a' + 'A'
		case r >= utf8.RuneSelf && r != utf8.RuneError:
			for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
				f = min(f, o)
			}
		}
		// RuneError may stand for a byte that is not UTF-8: write it out.
		if b == nil && (f != r || r == utf8.RuneError) {
			b = append(make([]byte, 0, len(s)+2), s[:i]...)
		}
		if b != nil {
			b = utf8.AppendRune(b, f)
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}
