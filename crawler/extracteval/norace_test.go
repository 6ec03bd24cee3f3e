//go:build !race

package extracteval_test

const raceEnabled = false
