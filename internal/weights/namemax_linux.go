package weights

import (
	"path/filepath"

	"golang.org/x/sys/unix"
)

// pathMax is the longest path, in bytes with its NUL, that a system call
// takes (PATH_MAX).
const pathMax = unix.PathMax

// nameMax is the longest file name, in bytes, that the file system holding
// dir (or its nearest existing parent) accepts: 255 on ext4, xfs and NFS
// (EFS). statfs(2) reports it as f_namelen.
func nameMax(dir string) int {
	for {
		var st unix.Statfs_t
		if err := unix.Statfs(dir, &st); err == nil && st.Namelen > 0 {
			return int(st.Namelen)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return defaultNameMax
		}
		dir = parent
	}
}
