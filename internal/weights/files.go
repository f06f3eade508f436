package weights

import "sort"

// sortFiles orders manifest entries by key, as S3 lists them.
func sortFiles(fs []File) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Key < fs[j].Key })
}
