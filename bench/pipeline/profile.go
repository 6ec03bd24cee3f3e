package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// cpuShare reads a gzipped pprof CPU profile (as runtime/pprof writes it)
// and returns the CPU time of all samples and of the samples one of whose
// stack frames has a function name containing any of the markers. It
// decodes just the fields it needs (sample, location, function, string
// table), so the benchmark adds no dependency for it.
func cpuShare(gz []byte, markers []string) (total, marked int64, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return 0, 0, fmt.Errorf("read profile: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return 0, 0, fmt.Errorf("read profile: %w", err)
	}
	var (
		samples   [][]byte
		locFuncs  = map[uint64][]uint64{} // location id → function ids
		funcNames = map[uint64]int64{}    // function id → string index
		strs      []string
	)
	err = fields(raw, func(num int, v uint64, data []byte) error {
		switch num {
		case 2:
			samples = append(samples, data)
		case 4:
			id, fns, err := location(data)
			locFuncs[id] = fns
			return err
		case 5:
			id, name, err := function(data)
			funcNames[id] = name
			return err
		case 6:
			strs = append(strs, string(data))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	isMarked := func(loc uint64) bool {
		for _, f := range locFuncs[loc] {
			if i := funcNames[f]; i >= 0 && int(i) < len(strs) {
				for _, m := range markers {
					if strings.Contains(strs[i], m) {
						return true
					}
				}
			}
		}
		return false
	}
	for _, s := range samples {
		locs, vals, err := decodeSample(s)
		if err != nil {
			return 0, 0, err
		}
		if len(vals) == 0 {
			continue
		}
		v := vals[len(vals)-1] // CPU nanoseconds (the last sample type)
		total += v
		for _, l := range locs {
			if isMarked(l) {
				marked += v
				break
			}
		}
	}
	return total, marked, nil
}

func function(data []byte) (id uint64, name int64, err error) {
	err = fields(data, func(n int, v uint64, _ []byte) error {
		switch n {
		case 1:
			id = v
		case 2:
			name = int64(v)
		}
		return nil
	})
	return id, name, err
}

func location(data []byte) (id uint64, fns []uint64, err error) {
	err = fields(data, func(n int, v uint64, sub []byte) error {
		switch n {
		case 1:
			id = v
		case 4: // Line
			return fields(sub, func(ln int, lv uint64, _ []byte) error {
				if ln == 1 {
					fns = append(fns, lv)
				}
				return nil
			})
		}
		return nil
	})
	return id, fns, err
}

func decodeSample(data []byte) (locs []uint64, vals []int64, err error) {
	err = fields(data, func(n int, v uint64, packed []byte) error {
		var into func(uint64)
		switch n {
		case 1:
			into = func(x uint64) { locs = append(locs, x) }
		case 2:
			into = func(x uint64) { vals = append(vals, int64(x)) }
		default:
			return nil
		}
		if packed == nil {
			into(v)
			return nil
		}
		for len(packed) > 0 {
			x, k := binary.Uvarint(packed)
			if k <= 0 {
				return errors.New("read profile: bad packed varint")
			}
			into(x)
			packed = packed[k:]
		}
		return nil
	})
	return locs, vals, err
}

// fields calls fn for each field of a protobuf message: varints with their
// value, length-delimited fields with their bytes (data is nil for a
// varint). Fixed-width fields are skipped.
func fields(b []byte, fn func(num int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, k := binary.Uvarint(b)
		if k <= 0 {
			return errors.New("read profile: bad field key")
		}
		b = b[k:]
		num, typ := int(key>>3), key&7
		switch typ {
		case 0:
			v, k := binary.Uvarint(b)
			if k <= 0 {
				return errors.New("read profile: bad varint")
			}
			b = b[k:]
			if err := fn(num, v, nil); err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return errors.New("read profile: short fixed64")
			}
			b = b[8:]
		case 2:
			l, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < l {
				return errors.New("read profile: bad length")
			}
			data := b[k : k+int(l)]
			b = b[k+int(l):]
			if err := fn(num, 0, data); err != nil {
				return err
			}
		case 5:
			if len(b) < 4 {
				return errors.New("read profile: short fixed32")
			}
			b = b[4:]
		default:
			return fmt.Errorf("read profile: wire type %d", typ)
		}
	}
	return nil
}
