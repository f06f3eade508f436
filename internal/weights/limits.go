package weights

import (
	"fmt"
	"path/filepath"
)

// limits are what the target's file system allows one object key.
type limits struct {
	name int // bytes in one name (NAME_MAX)
	key  int // bytes in a whole key (PATH_MAX, less the directories it is written under)
}

// maxVersionDirLen is the longest "versions/<id>.tmp/" a key is written
// under: a version id (VersionID) with the "-1" it may get, and ".tmp".
const maxVersionDirLen = len("versions/") + len("20060102T150405Z-") + 12 + len("-1") + len(".tmp/")

// targetLimits computes the limits for the target directory. A key's path
// is opened as <target>/versions/<id>.tmp/<key> while it is written, so
// that whole path, with its terminating NUL, must fit in PATH_MAX: open(2)
// fails with ENAMETOOLONG beyond it, which would stop the sync after
// downloads began. The absolute path is measured, as that is the longest a
// reader may name the file by.
func targetLimits(target string) limits {
	abs, err := filepath.Abs(target)
	if err != nil {
		abs = target
	}
	return limits{name: nameMax(target), key: pathMax - 1 - len(abs) - len("/") - maxVersionDirLen}
}

// checkLength refuses a key whose path or names are too long for the target.
func (lim limits) checkLength(rel string, segs []string) error {
	for _, seg := range segs {
		if len(seg) > lim.name {
			return fmt.Errorf("name %q is %d bytes, longer than the target file system's limit of %d; rename the object", seg, len(seg), lim.name)
		}
	}
	if len(rel) > lim.key {
		return fmt.Errorf("key is %d bytes; written under the target's versions/<id>.tmp/ its path would exceed the file system's limit of %d bytes (PATH_MAX) by %d; shorten the key or choose a shorter --target", len(rel), pathMax, len(rel)-lim.key)
	}
	return nil
}
