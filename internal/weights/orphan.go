package weights

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// orphans are versions that an interrupted sync published (renamed from
// .tmp, manifest and all) but never switched current to: a kill between
// the rename and the switch leaves one. Left alone, an orphan sorts newer
// than current and takes a keep slot, so the next prune would remove the
// real previous version instead.
type orphans struct {
	ids   []string // newest first
	adopt string   // an orphan that holds exactly the listing, or ""
	// reuse holds the files of the newest orphan with a readable manifest,
	// by key, so a new build links them instead of downloading them again.
	reuse map[string]reusable
}

// reusable is a file of an orphan version.
type reusable struct {
	File
	dir string // the orphan's directory
}

// findOrphans lists the complete versions newer than current (all of them
// when there is no current) and picks one to adopt: the newest whose
// manifest holds exactly the listing from the same source. It runs under
// the lock, after cleanTemp.
func (l Layout) findOrphans(current, source string, objs []Object) (*orphans, error) {
	entries, err := os.ReadDir(l.Versions())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	o := &orphans{}
	for _, e := range entries {
		if e.IsDir() && !strings.HasSuffix(e.Name(), ".tmp") && e.Name() != current && e.Name() > current {
			o.ids = append(o.ids, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(o.ids)))
	for _, id := range o.ids {
		m, err := readManifest(l.Version(id))
		if err != nil || m == nil {
			continue // not a version the sync finished: removed below
		}
		if m.Source == source && plan(source, objs, m).NoOp() {
			o.adopt = id
			return o, nil
		}
		if o.reuse == nil {
			o.reuse = make(map[string]reusable, len(m.Files))
			for _, f := range m.Files {
				o.reuse[f.Key] = reusable{File: f, dir: l.Version(id)}
			}
		}
	}
	return o, nil
}

// reusable returns the orphan's copy of obj, if it has the same key, size
// and ETag.
func (o *orphans) reusable(obj Object) (reusable, bool) {
	if o == nil {
		return reusable{}, false
	}
	r, ok := o.reuse[obj.Key]
	return r, ok && r.Size == obj.Size && r.ETag == obj.ETag
}

// removable names every orphan but keep as Result.Cleaned names leftovers.
func (o *orphans) removable(keep string) []string {
	var names []string
	for _, id := range o.ids {
		if id != keep {
			names = append(names, "versions/"+id)
		}
	}
	return names
}

// remove deletes every orphan but keep and returns what it removed.
func (o *orphans) remove(l Layout, keep string) ([]string, error) {
	var removed []string
	for _, name := range o.removable(keep) {
		if err := os.RemoveAll(filepath.Join(l.Root, filepath.FromSlash(name))); err != nil {
			return removed, fmt.Errorf("remove %s, published by an interrupted sync but never switched to: %w", name, err)
		}
		removed = append(removed, name)
	}
	if len(removed) > 0 {
		return removed, syncDir(l.Versions())
	}
	return removed, nil
}

// linkReused hard-links obj from the orphan that has it into tmp.
func linkReused(r reusable, tmp string) error {
	rel := filepath.FromSlash(r.Key)
	return linkOrCopy(filepath.Join(r.dir, rel), filepath.Join(tmp, rel))
}

// adopt switches current to an orphan that already holds the listing,
// copying nothing, and removes the other orphans.
func (s *Syncer) adopt(l Layout, o Options, orph *orphans, res *Result, start time.Time) (*Result, error) {
	if err := l.switchTo(orph.adopt); err != nil {
		return nil, err
	}
	res.Version, res.Adopted = orph.adopt, orph.adopt
	cleaned, err := orph.remove(l, orph.adopt)
	res.Cleaned = append(res.Cleaned, cleaned...)
	if err != nil {
		return res, fmt.Errorf("switched to %s, but %w", orph.adopt, err)
	}
	if res.Pruned, res.InUse, err = l.prune(o.Keep, orph.adopt); err != nil {
		return res, fmt.Errorf("switched to %s, but %w", orph.adopt, err)
	}
	res.Duration = s.Clock.Now().Sub(start)
	return res, nil
}
