package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
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

// maxDepth bounds nesting; maxNodes bounds the tree (YAML aliases can make
// a small file expand into a huge one).
const (
	maxDepth = 1000
	maxNodes = 1 << 20
)

// syntaxError is a parse failure with its position.
type syntaxError struct {
	line, col int
	msg       string
	hint      string
}

// decodeText converts a byte-order-marked UTF-16 file to UTF-8 and drops a
// UTF-8 byte-order mark. Windows PowerShell 5.1 writes UTF-16 LE with a
// mark when output is redirected with ">".
func decodeText(data []byte) []byte {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		le := data[0] == 0xFF
		data = data[2:]
		u := make([]uint16, len(data)/2)
		for i := range u {
			if le {
				u[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
			} else {
				u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			}
		}
		return []byte(string(utf16.Decode(u)))
	}
	return data
}

// lineIndex converts byte offsets into 1-based lines and columns (columns
// count characters, as YAML's do).
type lineIndex struct {
	data   []byte
	starts []int
}

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{data: data, starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) pos(off int) (line, col int) {
	off = min(max(off, 0), len(li.data))
	i := sort.SearchInts(li.starts, off+1) - 1
	return i + 1, utf8.RuneCount(li.data[li.starts[i]:off]) + 1
}

// checkChars refuses invalid UTF-8 and control characters, which the YAML
// parser reports without a position.
func checkChars(data []byte) *syntaxError {
	li := newLineIndex(data)
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			line, col := li.pos(i)
			return &syntaxError{line: line, col: col, msg: "invalid UTF-8"}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7F:
			line, col := li.pos(i)
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
	p := &jsonParser{data: data, li: newLineIndex(data), dec: json.NewDecoder(bytes.NewReader(data)), errAt: -1}
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
		off = syntaxOffset(data, int(serr.Offset))
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
// not where it failed. The shortest prefix that already holds a syntax
// error ends with that byte; prefixes only cut short are not errors.
func syntaxOffset(data []byte, fallback int) int {
	bad := func(n int) bool {
		dec := json.NewDecoder(bytes.NewReader(data[:n]))
		for {
			if _, err := dec.Token(); err != nil {
				var serr *json.SyntaxError
				return errors.As(err, &serr)
			}
		}
	}
	if !bad(len(data)) {
		return fallback
	}
	n := sort.Search(len(data), bad) // smallest n with a syntax error in data[:n]
	return max(n-1, 0)
}

type jsonParser struct {
	data  []byte
	li    *lineIndex
	dec   *json.Decoder
	nodes int
	errAt int
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
	if depth > maxDepth || p.nodes > maxNodes {
		p.errAt = start
		return nil, errors.New("nested too deeply or too large")
	}
	p.nodes++
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
	if serr := checkChars(data); serr != nil {
		return nil, serr
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, yamlError(data, err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		line := more.Line
		if err != nil {
			return nil, yamlError(data, err)
		}
		return nil, &syntaxError{line: line, msg: "more than one YAML document (---): put everything in one"}
	}
	c := &yamlConv{}
	n, serr := c.conv(&doc, 0)
	if serr != nil {
		return nil, serr
	}
	return n, nil
}

// yamlError turns the parser's message ("yaml: line 3: …") into a
// syntaxError. The parser gives the line of the enclosing block, not of
// the problem, and none at all when that is the first line; the line
// reported is instead the first at which the text read so far fails the
// same way. A "*" that starts a plain scalar is the usual mistake in this
// format (SenderDomains: [*]): it is YAML's alias indicator, so it gets a
// hint.
func yamlError(data []byte, err error) *syntaxError {
	line, msg := yamlMessage(err)
	serr := &syntaxError{line: line, msg: msg}
	if l, c, ok := findBareStar(data); ok {
		serr.line, serr.col = l, c
		serr.hint = `quote it ("*", "*.contoso.com"): an unquoted * starts a YAML alias`
		return serr
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	budget := 1 << 22 // bytes re-parsed at most
	end := 0
	for k := 0; k < len(lines); k++ {
		end += len(lines[k])
		if k+1 < max(line, 1) {
			continue
		}
		if budget -= end; budget < 0 {
			break
		}
		var n yaml.Node
		if err := yaml.Unmarshal(data[:end], &n); err != nil {
			if _, m := yamlMessage(err); m == msg {
				serr.line = k + 1
				break
			}
		}
	}
	if serr.line == 0 {
		serr.line = 1
	}
	return serr
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

type yamlConv struct{ nodes int }

func (c *yamlConv) conv(y *yaml.Node, depth int) (*node, *syntaxError) {
	c.nodes++
	if depth > maxDepth || c.nodes > maxNodes {
		return nil, &syntaxError{line: y.Line, col: y.Column, msg: "document nested too deeply or too large (aliases?)"}
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
		a, serr := c.conv(y.Alias, depth+1)
		if serr != nil {
			return nil, serr
		}
		return a, nil
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
		for i := 0; i+1 < len(y.Content); i += 2 {
			yk, yv := y.Content[i], y.Content[i+1]
			if yk.Kind == yaml.ScalarNode && yk.ShortTag() == "!!merge" {
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
		for _, m := range merged {
			for i, k := range m.keys {
				if !hasKeyFold(n, k.text) {
					n.keys = append(n.keys, k)
					n.vals = append(n.vals, m.vals[i])
				}
			}
		}
	}
	return n, nil
}

func hasKeyFold(n *node, key string) bool {
	for _, k := range n.keys {
		if strings.EqualFold(k.text, key) {
			return true
		}
	}
	return false
}
