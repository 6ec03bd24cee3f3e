package news

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// ErrDuration is the error of ParseDuration for a value it does not read.
var ErrDuration = errors.New("invalid duration")

// ParseDuration reads a duration the way the config, the command line and
// the HTTP API all take one: a Go duration ("90m", "1h30m", "-1h") or a
// whole number of days, optionally followed by an unsigned Go duration
// ("3d", "1d12h"). Days are 24 hours; there is no calendar arithmetic. A
// day count that would overflow time.Duration is an error, never a
// wrapped value. Whether zero or a negative value is allowed is the
// caller's rule.
func ParseDuration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 || j == len(s) || s[j] != 'd' {
		return 0, ErrDuration
	}
	days, err := strconv.ParseInt(s[:j], 10, 64)
	if err != nil || days > math.MaxInt64/int64(24*time.Hour) {
		return 0, ErrDuration
	}
	d := time.Duration(days) * 24 * time.Hour
	rest := s[j+1:]
	if rest == "" {
		return d, nil
	}
	if rest[0] == '-' || rest[0] == '+' {
		return 0, ErrDuration
	}
	r, err := time.ParseDuration(rest)
	if err != nil || r > math.MaxInt64-d {
		return 0, ErrDuration
	}
	return d + r, nil
}
