package crawler

import "testing"

// TestCompileSelectorCache: a selector is compiled once and reused on
// every poll; an invalid one is an error every time, never cached.
func TestCompileSelectorCache(t *testing.T) {
	tests := []struct {
		sel     string
		wantErr bool
	}{
		{"a.story", false},
		{"li.item > a[href]", false},
		{"a[", true},
		{"   ", true},
	}
	for _, tt := range tests {
		for round := range 2 {
			m, err := compileSelector(tt.sel)
			if (err != nil) != tt.wantErr {
				t.Errorf("compileSelector(%q) round %d = %v, want error %v", tt.sel, round, err, tt.wantErr)
			}
			_, cached := selectors.Load(tt.sel)
			if cached == tt.wantErr || (m == nil) != tt.wantErr {
				t.Errorf("compileSelector(%q) round %d: cached %v, selector %v; want cached %v", tt.sel, round, cached, m, !tt.wantErr)
			}
		}
	}
}
