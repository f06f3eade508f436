package weights

import (
	"fmt"
	"os"
	"sync"
)

// flusher fsyncs and closes finished files on goroutines of its own, so a
// download never waits for the disk: writeback of each file is started as
// soon as it is verified (startWriteback), and the fsyncs of many files run
// at once, which lets the file system commit them together. wait returns
// only when every file handed over is on disk (or the first error).
type flusher struct {
	fsync func(*os.File) error // (*os.File).Sync; tests fail it
	files chan *os.File
	wg    sync.WaitGroup
	once  sync.Once
	mu    sync.Mutex
	err   error
}

// newFlusher starts workers goroutines; at most queue files wait open.
// fsync nil means (*os.File).Sync.
func newFlusher(workers, queue int, fsync func(*os.File) error) *flusher {
	if fsync == nil {
		fsync = (*os.File).Sync
	}
	f := &flusher{fsync: fsync, files: make(chan *os.File, queue)}
	for range workers {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for file := range f.files {
				f.flush(file)
			}
		}()
	}
	return f
}

func (f *flusher) flush(file *os.File) {
	err := f.fsync(file)
	if err != nil {
		err = fmt.Errorf("fsync %s: %w", file.Name(), err)
	}
	if cerr := file.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		f.mu.Lock()
		if f.err == nil {
			f.err = err
		}
		f.mu.Unlock()
	}
}

// add takes ownership of file: it will be fsynced and closed.
func (f *flusher) add(file *os.File) { f.files <- file }

// wait flushes what is queued, stops the workers and returns the first
// error. It may be called more than once.
func (f *flusher) wait() error {
	f.once.Do(func() { close(f.files) })
	f.wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
