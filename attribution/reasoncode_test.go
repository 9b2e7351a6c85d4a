package attribution

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReasonCodes: every reason has a distinct code of lower-case letters
// and underscores, so that a reason added without a code is caught here.
func TestReasonCodes(t *testing.T) {
	assert.Len(t, reasonCodes, len(reasonText), "reasonCodes and reasonText must list the same reasons")
	valid := regexp.MustCompile(`^[a-z][a-z_]*$`)
	seen := map[string]Reason{}
	for r := Reason(0); int(r) < len(reasonText); r++ {
		c := r.Code()
		assert.Regexp(t, valid, c, "reason %d (%s)", r, r)
		if o, dup := seen[c]; dup {
			t.Errorf("reasons %d and %d share the code %q", o, r, c)
		}
		seen[c] = r
	}
	assert.Equal(t, "relay_denied", ReasonRelayDenied.Code())
	assert.Equal(t, "reason(200)", Reason(200).Code())
}
