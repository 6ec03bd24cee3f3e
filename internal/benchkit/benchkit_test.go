package benchkit

import (
	"os"
	"testing"
)

func TestProcReaders(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	if cpu, err := ProcCPU(os.Getpid()); err != nil || cpu < 0 {
		t.Errorf("ProcCPU(self) = %v, %v, want a time and no error", cpu, err)
	}
	if rss, err := ProcStatus(os.Getpid(), "VmHWM"); err != nil || rss <= 0 {
		t.Errorf("ProcStatus(self, VmHWM) = %d, %v, want > 0", rss, err)
	}
	if _, err := ProcStatus(os.Getpid(), "NoSuchField"); err == nil {
		t.Errorf("ProcStatus(self, NoSuchField) = nil error, want one")
	}
}
