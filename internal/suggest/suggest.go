// Package suggest finds the name a user probably meant, so an error about an
// unknown key or parameter can name its fix ("did you mean ...?").
package suggest

import "strings"

// maxEdits is how far a typo may be from the name it stands for; further
// than that, a suggestion is more often wrong than helpful.
const maxEdits = 2

// Closest returns the known name that name most probably misspells: one
// equal to it ignoring case and dash/underscore, else the nearest within two
// edits. It returns "" when nothing is close.
func Closest(name string, known []string) string {
	norm := normalize(name)
	best, bestD := "", maxEdits+1
	for _, k := range known {
		d := distance(norm, normalize(k))
		if d == 0 {
			return k
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func normalize(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "-", "_"))
}

// distance is the Levenshtein edit distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
