package weights

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// caseCollision returns a message for the first pair of keys that name
// one file where case is not significant ("Model.bin" and "model.bin", or
// a file "A" and the folder of "a/b"), or "" when there is none.
func caseCollision(objs []Object) string {
	seen := make(map[string]string, len(objs))
	for _, o := range objs {
		k := foldCase(o.Key)
		if other, ok := seen[k]; ok {
			return fmt.Sprintf("object keys %q and %q differ only in case", other, o.Key)
		}
		seen[k] = o.Key
	}
	for _, o := range objs {
		for d := path.Dir(o.Key); d != "."; d = path.Dir(d) {
			if other, ok := seen[foldCase(d)]; ok {
				return fmt.Sprintf("object key %q and the folder of object key %q differ only in case", other, o.Key)
			}
		}
	}
	return ""
}

// foldCase maps every rune to the smallest of its simple case folding
// orbit, so two keys fold alike exactly when strings.EqualFold holds.
func foldCase(s string) string {
	return strings.Map(func(r rune) rune {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		return low
	}, s)
}

// checkCase refuses keys that collide on a case-insensitive target (one
// object would silently replace the other) and warns of them on a
// case-sensitive one, where the version is complete but cannot be copied
// to a case-insensitive file system.
func (s *Syncer) checkCase(target string, objs []Object, dryRun bool, res *Result) error {
	msg := caseCollision(objs)
	if msg == "" {
		return nil
	}
	probe := s.caseInsensitive
	if probe == nil {
		probe = caseInsensitive
	}
	insensitive, err := probe(target, dryRun)
	if err != nil {
		return fmt.Errorf("%s; find out whether %s tells case apart: %w", msg, target, err)
	}
	if insensitive {
		return fault.WithHint(fault.Usagef("%s, and the file system of %s does not tell case apart: both would be one file", msg, target),
			"rename one of the objects, or sync to a case-sensitive file system")
	}
	res.Warnings = append(res.Warnings, msg+"; a copy of this version on a case-insensitive file system would lose one")
	return nil
}

// caseInsensitive reports whether the file system of target (or of its
// nearest existing parent) treats names that differ only in case as one.
// ext4's casefold is set per directory and inherited, so the directory the
// versions are created in is the one probed: an entry of it with a cased
// letter is looked up with its case swapped; with no such entry, a probe
// file is created and removed (in a dry run, which writes nothing, the
// directory's own name is looked up in its parent instead).
func caseInsensitive(target string, dryRun bool) (bool, error) {
	dir, err := nearestDir(filepath.Join(target, "versions"))
	if err != nil {
		return false, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if swapped := swapCase(e.Name()); swapped != e.Name() {
			return sameEntry(filepath.Join(dir, e.Name()), filepath.Join(dir, swapped))
		}
	}
	if dryRun {
		base := filepath.Base(dir)
		if swapCase(base) == base {
			return false, nil
		}
		return sameEntry(dir, filepath.Join(filepath.Dir(dir), swapCase(base)))
	}
	f, err := os.CreateTemp(dir, ".case-probe-*")
	if err != nil {
		return false, err
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	return sameEntry(name, filepath.Join(dir, swapCase(filepath.Base(name))))
}

// nearestDir returns dir or its nearest existing parent.
func nearestDir(dir string) (string, error) {
	for {
		st, err := os.Stat(dir)
		if err == nil && st.IsDir() {
			return dir, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no existing directory above %s", dir)
		}
		dir = parent
	}
}

// sameEntry reports whether b names the same file as a (false if b does
// not exist).
func sameEntry(a, b string) (bool, error) {
	sa, err := os.Lstat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Lstat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// swapCase swaps the case of every cased letter.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if u := unicode.ToUpper(r); u != r {
			return u
		}
		return unicode.ToLower(r)
	}, s)
}
