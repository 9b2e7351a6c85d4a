package mailflowopa_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/config"
	mailflowopa "github.com/mailflow-go/mailflow/opa"
)

// TestRegister runs itself in a child process, because Register changes
// OPA's global built-ins for the rest of the process: there, a query built
// without Options calls the functions.
func TestRegister(t *testing.T) {
	if os.Getenv("MAILFLOW_OPA_REGISTER_CHILD") == "1" {
		mailflowopa.Register(mailflowopa.Fixed(config.Default().Directory()))
		rs, err := rego.New(rego.Query(`mailflow.route("contoso", "john@contoso.com").connector == "Connector 2"`)).Eval(context.Background())
		require.NoError(t, err)
		require.True(t, rs.Allowed())
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRegister$", "-test.v")
	cmd.Env = append(os.Environ(), "MAILFLOW_OPA_REGISTER_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "--- PASS: TestRegister")
}
