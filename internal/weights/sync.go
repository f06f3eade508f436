// Package weights copies model weights from S3 into versioned directories
// on a volume and switches readers to a new version atomically: list, plan
// against the current manifest, download and verify into versions/<id>.tmp,
// fsync, rename, switch the `current` symlink, prune. It also runs the same
// sync remotely as a one-off ECS task (remote.go).
package weights

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Defaults for Options.
const (
	DefaultKeep        = 3
	DefaultConcurrency = 16
	DefaultPartSize    = 8 << 20
)

// Options say what to sync where.
type Options struct {
	Source      Source
	Target      string
	Keep        int   // versions kept after the switch (default 3)
	Concurrency int   // GET requests in flight (default 16)
	PartSize    int64 // objects larger than this download as parallel ranges (default 8 MiB)
	DryRun      bool
	// RequireChecksum fails the sync (exit 2, nothing published) on an
	// object that has no checksum in S3, instead of publishing it marked
	// unverified.
	RequireChecksum bool
}

// Syncer runs syncs. Stats is updated while a sync runs, for progress.
type Syncer struct {
	S3    S3API
	Clock clock.Clock
	Stats Stats
	// Progress, when set, is called (from several goroutines) each time a
	// file or a part of a large file is done; it reads Stats.
	Progress func()
	// stage, when set, is called after each step that changes the target;
	// tests use it to interrupt a sync at every point.
	stage func(name string)
	// FsyncDelay, for benchmarks only, adds a latency to every fsync of a
	// downloaded file.
	FsyncDelay *FsyncDelay
	// fsync, when set, replaces (*os.File).Sync for downloaded files.
	fsync func(*os.File) error
	// caseInsensitive, when set, replaces the probe of the target's file
	// system for case sensitivity (tests stand in a case-insensitive one).
	caseInsensitive func(target string, dryRun bool) (bool, error)
}

// Stats are live counters of a running sync.
type Stats struct {
	Bytes      atomic.Int64 // bytes downloaded so far
	Files      atomic.Int64 // files placed so far (downloaded or linked)
	TotalBytes atomic.Int64
	TotalFiles atomic.Int64
}

// Result is what a sync did.
type Result struct {
	Source   string
	Target   string
	Version  string // the version current points at afterwards
	Previous string // the version current pointed at before ("" if none)
	Plan     *Plan
	Bytes    int64 // bytes downloaded
	Linked   int   // unchanged files hard-linked (or copied) from the previous version
	Pruned   []string
	InUse    []string // versions prune kept because a reader had them pinned
	Cleaned  []string // leftovers of interrupted syncs removed
	// Adopted is set when current was switched to a version an interrupted
	// sync had published without switching to it, which held the listing.
	Adopted  string
	Warnings []string
	// Unverified are the files of the new version that nothing could be
	// compared with (no checksum in S3); the manifest marks each.
	Unverified []string
	Duration   time.Duration
	DryRun     bool
}

// Sync makes the target's current version match the source. Nothing under
// current changes unless every object was downloaded and verified.
func (s *Syncer) Sync(ctx context.Context, o Options) (*Result, error) {
	o = o.withDefaults()
	s.Stats.Bytes.Store(0)
	s.Stats.Files.Store(0)
	start := s.Clock.Now()
	l := Layout{Root: o.Target}
	// Everything that can be refused is checked before the first write.
	if err := l.check(false); err != nil {
		return nil, err
	}
	res := &Result{Source: o.Source.String(), Target: o.Target, DryRun: o.DryRun}
	early := l.readCurrentAsync()
	objs, err := list(ctx, s.S3, o.Source, targetLimits(o.Target))
	if err != nil {
		return nil, err
	}
	if err := s.checkCase(o.Target, objs, o.DryRun, res); err != nil {
		return nil, err
	}
	if !o.DryRun {
		if err := l.check(true); err != nil {
			return nil, err
		}
		release, err := l.lock()
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if res.Previous, err = l.CurrentID(); err != nil {
		return nil, err
	}
	var cur *Manifest
	if res.Previous != "" {
		// An unreadable manifest must not block every later sync: the
		// version is rebuilt from S3 as if there were none.
		if cur, err = (<-early).manifest(l, res.Previous); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%v; downloading every object again", err))
			cur = nil
		}
	}
	res.Plan = plan(res.Source, objs, cur)
	res.Version = res.Previous
	if !o.DryRun {
		if res.Cleaned, err = l.cleanTemp(); err != nil {
			return nil, err
		}
	}
	orph, err := l.findOrphans(res.Previous, res.Source, objs)
	if err != nil {
		return nil, err
	}
	res.Plan.orphans = orph
	if o.DryRun {
		res.Adopted, res.Cleaned = orph.adopt, orph.removable(orph.adopt)
		res.Duration = s.Clock.Now().Sub(start)
		return res, nil
	}
	if orph.adopt != "" {
		return s.adopt(l, o, orph, res, start)
	}
	if res.Plan.NoOp() {
		cleaned, err := orph.remove(l, "")
		res.Cleaned = append(res.Cleaned, cleaned...)
		res.Duration = s.Clock.Now().Sub(start)
		return res, err
	}
	if o.RequireChecksum {
		if err := requireVerified(res.Plan.Unchanged); err != nil {
			return nil, err
		}
	}
	id := VersionID(s.Clock.Now(), res.Source, objs)
	if id == res.Previous {
		// Only when the current manifest no longer matches its own listing
		// (edited by hand) within the same second: never rebuild over current.
		id += "-1"
	}
	if err := s.build(ctx, l, o, id, res, objs); err != nil {
		return nil, err
	}
	res.Version = id
	cleaned, err := orph.remove(l, "")
	res.Cleaned = append(res.Cleaned, cleaned...)
	if err != nil {
		return res, fmt.Errorf("switched to %s, but %w", id, err)
	}
	if res.Pruned, res.InUse, err = l.prune(o.Keep, id); err != nil {
		return res, fmt.Errorf("switched to %s, but %w", id, err)
	}
	res.Bytes = s.Stats.Bytes.Load()
	res.Duration = s.Clock.Now().Sub(start)
	return res, nil
}

func (o Options) withDefaults() Options {
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	return o
}

// build makes versions/<id>.tmp, fills and verifies it, renames it to
// versions/<id> and switches current. On any error the temporary directory
// is removed and current is left as it was.
func (s *Syncer) build(ctx context.Context, l Layout, o Options, id string, res *Result, objs []Object) (err error) {
	tmp := l.Version(id) + ".tmp"
	if err := os.MkdirAll(l.Versions(), 0o755); err != nil {
		return permission(fmt.Errorf("create %s: %w", l.Versions(), err))
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return permission(fmt.Errorf("create %s: %w", tmp, err))
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	p := res.Plan
	s.Stats.TotalBytes.Store(p.DownloadBytes())
	s.Stats.TotalFiles.Store(int64(len(objs)))
	files, err := s.fill(ctx, l, o, tmp, res)
	if err != nil {
		return err
	}
	if err := s.step(ctx, "filled"); err != nil {
		return err
	}
	if err := makeDurable(tmp, files); err != nil {
		return err
	}
	m := &Manifest{Version: id, Source: res.Source, Created: s.Clock.Now().UTC().Truncate(time.Second), Files: files}
	if err := writeManifest(tmp, m); err != nil {
		return err
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	if err := s.step(ctx, "manifest"); err != nil {
		return err
	}
	final := l.Version(id)
	_ = os.RemoveAll(final) // an unswitched copy left by an interrupted run of the same listing
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("publish %s: %w", final, err)
	}
	if err := syncDir(l.Versions()); err != nil {
		return err
	}
	if err := s.step(ctx, "renamed"); err != nil {
		return err
	}
	return l.switchTo(id)
}

func (s *Syncer) progress() {
	if s.Progress != nil {
		s.Progress()
	}
}

// step reports a finished step to the test hook and stops if cancelled.
func (s *Syncer) step(ctx context.Context, name string) error {
	if s.stage != nil {
		s.stage(name)
	}
	return ctx.Err()
}

// fill places every file of the new version in tmp: unchanged ones linked
// from the current version, the rest downloaded in parallel. It returns the
// manifest entries in listing order.
func (s *Syncer) fill(ctx context.Context, l Layout, o Options, tmp string, res *Result) ([]File, error) {
	p := res.Plan
	files := make([]File, 0, len(p.Unchanged)+len(p.Added)+len(p.Changed))
	prev := l.Version(res.Previous)
	for _, f := range p.Unchanged {
		if err := linkOrCopy(filepath.Join(prev, filepath.FromSlash(f.Key)), filepath.Join(tmp, filepath.FromSlash(f.Key))); err != nil {
			return nil, fmt.Errorf("reuse %s from version %s: %w", f.Key, res.Previous, err)
		}
		files = append(files, f)
		res.Linked++
		s.Stats.Files.Add(1)
	}
	var dl []Object
	for _, obj := range p.Downloads() {
		r, ok := p.orphans.reusable(obj)
		if !ok {
			dl = append(dl, obj)
			continue
		}
		if err := linkReused(r, tmp); err != nil {
			return nil, fmt.Errorf("reuse %s from %s: %w", obj.Key, r.dir, err)
		}
		files = append(files, r.File)
		res.Linked++
		s.Stats.Files.Add(1)
	}
	got := make([]File, len(dl))
	fsync := s.fsync
	if s.FsyncDelay != nil {
		fsync = s.FsyncDelay.sync
	}
	flush := newFlusher(flushWorkers, flushQueue, fsync)
	defer flush.wait() // on an early return, files still close before tmp is removed
	fe := newFetcher(s.S3, o.Source, tmp, o.Concurrency, o.PartSize, &s.Stats.Bytes, flush)
	fe.progress = s.progress
	fe.requireChecksum = o.RequireChecksum
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2 * o.Concurrency)
	for i, obj := range dl {
		g.Go(func() error {
			f, err := fe.fetch(gctx, obj)
			got[i] = f
			s.Stats.Files.Add(1)
			s.progress()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := flush.wait(); err != nil {
		return nil, err
	}
	files = append(files, got...)
	sortFiles(files)
	for _, f := range files {
		if f.Unverified != "" {
			res.Unverified = append(res.Unverified, f.Key)
		}
	}
	return files, nil
}

// The flusher's size: fsyncs in flight, and verified files waiting open for
// one (well below the usual limit of 1,024 open files).
const (
	flushWorkers = 32
	flushQueue   = 256
)

// makeDurable fsyncs every directory of the version before the manifest is
// written (each file was fsynced by the flusher).
func makeDurable(tmp string, files []File) error {
	dirs := map[string]bool{}
	for _, f := range files {
		for d := filepath.Dir(filepath.Join(tmp, filepath.FromSlash(f.Key))); d != tmp && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// linkOrCopy hard-links src to dst, copying where the file system has no
// hard links (or refuses one).
func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	} else if errors.Is(err, fs.ErrNotExist) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
