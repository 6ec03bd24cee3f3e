package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"runtime/pprof"
	"testing"
)

// pb builds protobuf messages for the tests.
type pb struct{ b []byte }

func (p *pb) varint(num int, v uint64) *pb {
	p.b = binary.AppendUvarint(p.b, uint64(num)<<3)
	p.b = binary.AppendUvarint(p.b, v)
	return p
}

func (p *pb) bytes(num int, data []byte) *pb {
	p.b = binary.AppendUvarint(p.b, uint64(num)<<3|2)
	p.b = binary.AppendUvarint(p.b, uint64(len(data)))
	p.b = append(p.b, data...)
	return p
}

func packed(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testProfile has functions 1 "main.work", 2 "github.com/x/store.(*Store).Record",
// 3 "notify.(*Dispatcher).send" at locations 10, 20, 30, and samples
// (count, ns): [10] 5 ms, [20 10] 7 ms (store), [30 10] 11 ms
// (dispatcher), the last two values unpacked as runtime/pprof writes
// short lists.
func testProfile(t testing.TB) []byte {
	p := &pb{}
	for _, s := range []string{"", "main.work", "github.com/x/store.(*Store).Record", "notify.(*Dispatcher).send"} {
		p.bytes(6, []byte(s))
	}
	for i, id := range []uint64{1, 2, 3} {
		p.bytes(5, (&pb{}).varint(1, id).varint(2, uint64(i+1)).b)
		line := (&pb{}).varint(1, id).varint(2, 42).b
		p.bytes(4, (&pb{}).varint(1, id*10).bytes(4, line).b)
	}
	p.bytes(2, (&pb{}).varint(1, 10).bytes(2, packed(1, 5e6)).b)
	p.bytes(2, (&pb{}).bytes(1, packed(20, 10)).varint(2, 1).varint(2, 7e6).b)
	p.bytes(2, (&pb{}).varint(1, 30).varint(1, 10).bytes(2, packed(1, 11e6)).b)
	return gz(t, p.b)
}

func TestCPUShare(t *testing.T) {
	prof := testProfile(t)
	tests := []struct {
		markers     []string
		total, want int64
	}{
		{[]string{"/store."}, 23e6, 7e6},
		{[]string{"notify.(*Dispatcher)"}, 23e6, 11e6},
		{[]string{"/store.", "notify.(*Dispatcher)"}, 23e6, 18e6},
		{[]string{"main.work"}, 23e6, 23e6},
		{[]string{"nowhere"}, 23e6, 0},
	}
	for _, tt := range tests {
		total, got, err := cpuShare(prof, tt.markers)
		if err != nil || total != tt.total || got != tt.want {
			t.Errorf("cpuShare(%q) = %d, %d, %v; want %d, %d, nil", tt.markers, total, got, err, tt.total, tt.want)
		}
	}
}

// TestCPUShareRealProfile reads a profile runtime/pprof wrote: whatever
// it sampled, the marked time never exceeds the total.
func TestCPUShareRealProfile(t *testing.T) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Skip("CPU profiling unavailable:", err)
	}
	pprof.StopCPUProfile()
	total, marked, err := cpuShare(buf.Bytes(), []string{"runtime."})
	if err != nil || marked > total || total < 0 {
		t.Errorf("cpuShare(runtime/pprof profile) = %d, %d, %v; want 0 <= marked <= total, nil", total, marked, err)
	}
}

func TestCPUShareErrors(t *testing.T) {
	prof := testProfile(t)
	raw := (&pb{}).bytes(2, []byte{0x0a, 0x05, 0x01}).b // sample whose packed field overruns
	tests := map[string][]byte{
		"not gzip":    []byte("profile"),
		"truncated":   prof[:len(prof)-8],
		"bad length":  gz(t, raw),
		"bad varint":  gz(t, []byte{0x08, 0xff}),
		"wire type 7": gz(t, []byte{0x0f}),
	}
	for name, b := range tests {
		if _, _, err := cpuShare(b, []string{"x"}); err == nil {
			t.Errorf("cpuShare(%s) error = nil, want an error", name)
		}
	}
}

func FuzzCPUShare(f *testing.F) {
	f.Add(testProfile(f))
	f.Add(gz(f, []byte{0x12, 0x02, 0x08, 0x01}))
	f.Fuzz(func(t *testing.T, b []byte) {
		total, marked, err := cpuShare(b, []string{"store."})
		if err == nil && marked > total && total >= 0 {
			t.Errorf("cpuShare = %d marked of %d total", marked, total)
		}
	})
}

func TestWatchTerms(t *testing.T) {
	bodies := []string{"Ministers met in Geneva. Ministers agreed.", "Geneva talks resumed; ministers left."}
	got := watchTerms(bodies, 9)
	if len(got) != 9 {
		t.Fatalf("watchTerms(9) = %d terms, want 9", len(got))
	}
	real := map[string]bool{"ministers": true, "geneva": true, "agreed": true, "talks": true, "resumed": true}
	n := 0
	seen := map[string]bool{}
	for _, w := range got {
		if seen[w] {
			t.Errorf("watchTerms: %q twice", w)
		}
		seen[w] = true
		if real[w] {
			n++
		}
	}
	if n != 3 || got[0] != "ministers" {
		t.Errorf("watchTerms(9) = %q, want 3 corpus words starting with the most frequent, then made-up ones", got)
	}
}
