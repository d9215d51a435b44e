package main

import (
	"errors"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts the profiles asked for by -cpuprofile and -blockprofile (empty: not asked
// for); stop writes them. The block and mutex profiles record every event (rate 1), which slows
// the run a little: compare numbers taken without them.
func startProfiles(cpuFile, blockFile string) (stop func(), err error) {
	var stops []func() error
	stop = func() {
		for _, s := range stops {
			_ = s()
		}
	}
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err != nil {
			return stop, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return stop, errors.Join(err, f.Close())
		}
		stops = append(stops, func() error {
			pprof.StopCPUProfile()
			return f.Close()
		})
	}
	if blockFile != "" {
		runtime.SetBlockProfileRate(1)
		runtime.SetMutexProfileFraction(1)
		stops = append(stops, func() error {
			return errors.Join(writeProfile("block", blockFile), writeProfile("mutex", blockFile+".mutex"))
		})
	}
	return stop, nil
}

func writeProfile(name, file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	return errors.Join(pprof.Lookup(name).WriteTo(f, 0), f.Close())
}
