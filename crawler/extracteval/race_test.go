//go:build race

package extracteval_test

// raceEnabled: under the race detector the 181-page extraction run takes
// ten times as long and checks no concurrency, so it is skipped.
const raceEnabled = true
