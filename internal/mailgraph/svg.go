package mailgraph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrNoDot says that Graphviz's dot program is not installed.
var ErrNoDot = errors.New("mailgraph: Graphviz's dot is not installed (install the graphviz package: apt-get install graphviz)")

// SVG renders a DOT graph to SVG with Graphviz ("dot -Tsvg"), found in
// PATH; ErrNoDot when it is not there.
func SVG(ctx context.Context, dot []byte) ([]byte, error) {
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, ErrNoDot
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-Tsvg")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(dot), &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("mailgraph: dot -Tsvg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}
