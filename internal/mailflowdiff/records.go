package mailflowdiff

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/attribution"
)

// RecordLines renders tenant t as one line per record ("OutboundConnectors:
// {...}"), fields at their zero value left out, for a line diff.
func RecordLines(t attribution.Tenant) []string {
	lines := []string{"Id: " + t.ID}
	v := reflect.ValueOf(t)
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case name == "ID":
		case f.Kind() == reflect.Slice:
			for j := range f.Len() {
				lines = append(lines, name+": "+compact(f.Index(j).Interface()))
			}
		case !f.IsZero():
			lines = append(lines, name+": "+compact(f.Interface()))
		}
	}
	return lines
}

// compact marshals v as JSON without its zero fields.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	var m any
	if json.Unmarshal(b, &m) != nil {
		return string(b)
	}
	b, _ = json.Marshal(strip(m))
	return string(b)
}

func strip(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = strip(e)
			if e == nil || e == false || e == "" || e == float64(0) {
				delete(x, k)
				continue
			}
			if l, ok := e.([]any); ok && len(l) == 0 {
				delete(x, k)
				continue
			}
			if m, ok := e.(map[string]any); ok && len(m) == 0 {
				delete(x, k)
				continue
			}
			x[k] = e
		}
	case []any:
		for i, e := range x {
			x[i] = strip(e)
		}
	}
	return v
}

// UnifiedDiff is a line diff of a and b in unified form, with context
// lines of context around each change; "" when they are equal.
func UnifiedDiff(oldName, newName string, a, b []string, context int) string {
	// The longest common subsequence, by dynamic programming: tenants
	// have few records.
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte
		text string
		ai   int
		bi   int
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i, j})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', b[j], i, j})
			j++
		}
	}
	var out strings.Builder
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := max(0, k-context)
		end := k
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*context || run == len(ops) {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		if out.Len() == 0 {
			out.WriteString("--- " + oldName + "\n+++ " + newName + "\n")
		}
		var na, nb int
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				na++
			}
			if o.kind != '-' {
				nb++
			}
		}
		out.WriteString("@@ -" + hunkPos(ops[start].ai, na) + " +" + hunkPos(ops[start].bi, nb) + " @@\n")
		for _, o := range ops[start:end] {
			out.WriteByte(o.kind)
			out.WriteString(o.text + "\n")
		}
		k = end
	}
	return out.String()
}

func hunkPos(start, n int) string {
	if n == 0 {
		return itoa(start) + ",0"
	}
	return itoa(start+1) + "," + itoa(n)
}

func itoa(n int) string { return strconv.Itoa(n) }
