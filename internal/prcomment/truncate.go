package prcomment

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxBody is the longest issue or pull request comment body GitHub accepts,
// in characters; a longer one is refused with 422 "body is too long
// (maximum is 65536 characters)".
// https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
const MaxBody = 65536

// Truncate shortens body to at most limit characters (Unicode code points,
// as GitHub counts them), cutting at a line end, closing a code fence the
// cut left open, and ending with a note that says how much is shown and
// where the rest is (link, when not empty). It reports whether it cut.
func Truncate(body string, limit int, link string) (string, bool) {
	total := utf8.RuneCountInString(body)
	if total <= limit {
		return body, false
	}
	// The note's count is at most the digits of total, so reserve its
	// longest form before choosing the cut.
	room := limit - utf8.RuneCountInString(note(total, total, link)) - maxFenceClose
	kept := cutAtLine(body, max(room, 0))
	if f := openFence(kept); f != "" {
		kept += "\n" + f
	}
	return kept + note(utf8.RuneCountInString(kept), total, link), true
}

// maxFenceClose bounds the closing fence Truncate may add: a newline and a
// fence; fences longer than this are not closed (they are vanishingly rare).
const maxFenceClose = 1 + 16

func note(shown, total int, link string) string {
	where := "the job log"
	if link != "" {
		where = fmt.Sprintf("the [workflow run](%s)", link)
	}
	return fmt.Sprintf("\n\n---\n⚠️ **Truncated:** showing %d of %d characters, the most a GitHub comment holds. The full text is in %s.\n", shown, total, where)
}

// cutAtLine keeps at most n characters of s, ending at the last line break
// when one is near, so a table row or sentence is not cut in half.
func cutAtLine(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			s = s[:pos]
			break
		}
		i++
	}
	if nl := strings.LastIndexByte(s, '\n'); nl >= 0 && len(s)-nl < 4096 {
		return s[:nl]
	}
	return s
}

// openFence returns the fence that closes a fenced code block still open at
// the end of s, or "" when none is open (CommonMark: a fence of three or
// more backticks or tildes closes on a line of at least as many of the same).
func openFence(s string) string {
	open := ""
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimLeft(line, " ")
		if len(line)-len(t) > 3 {
			continue
		}
		f := fenceRun(t)
		switch {
		case f == "":
		case open == "":
			open = f
		case f[0] == open[0] && len(f) >= len(open) && strings.TrimSpace(t[len(f):]) == "":
			open = ""
		}
	}
	if len(open) > maxFenceClose-1 {
		return ""
	}
	return open
}

// fenceRun returns the leading run of ` or ~ in line when it is at least
// three long.
func fenceRun(line string) string {
	if line == "" || (line[0] != '`' && line[0] != '~') {
		return ""
	}
	n := len(line) - len(strings.TrimLeft(line, line[:1]))
	if n < 3 {
		return ""
	}
	return line[:n]
}
