package news

import (
	"strings"
	"testing"
)

func TestDigestID(t *testing.T) {
	a, b := Alert{ID: "nh_a"}, Alert{ID: "nh_b"}
	id := DigestID([]Alert{a, b})
	if id != DigestID([]Alert{a, b}) || !strings.HasPrefix(id, "dg_") || len(id) != 35 {
		t.Errorf("DigestID = %q, want stable dg_ + 32 hex", id)
	}
	for _, other := range [][]Alert{{b, a}, {a}, {{ID: "nh_a\nnh_b"}}} {
		if DigestID(other) == id {
			t.Errorf("DigestID(%v) = DigestID([a b]) = %q, want distinct", other, id)
		}
	}
}
