package prcomment

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		body          string
		limit         int
		link          string
		want          string
		wantTruncated bool
	}{
		{
			name: "fits: unchanged", body: "short", limit: 5, want: "short",
		},
		{
			name:  "cut at the last line end, note names the run",
			body:  strings.Repeat("row\n", 100),
			limit: 230,
			link:  "https://x/run",
			want: strings.Repeat("row\n", 16) + "row" +
				"\n\n---\n⚠️ **Truncated:** showing 67 of 400 characters, the most a GitHub comment holds. The full text is in the [workflow run](https://x/run).\n",
			wantTruncated: true,
		},
		{
			name:  "an open code fence is closed before the note",
			body:  "head\n````text\n" + strings.Repeat("log line\n", 50),
			limit: 250,
			want: "head\n````text\n" + strings.Repeat("log line\n", 9) + "log line\n````" +
				"\n\n---\n⚠️ **Truncated:** showing 108 of 464 characters, the most a GitHub comment holds. The full text is in the job log.\n",
			wantTruncated: true,
		},
		{
			name:  "characters, not bytes, are counted",
			body:  strings.Repeat("✅", 300),
			limit: 200,
			want: strings.Repeat("✅", 62) +
				"\n\n---\n⚠️ **Truncated:** showing 62 of 300 characters, the most a GitHub comment holds. The full text is in the job log.\n",
			wantTruncated: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cut := Truncate(tt.body, tt.limit, tt.link)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Truncate (-want +got):\n%s", diff)
			}
			if cut != tt.wantTruncated {
				t.Errorf("truncated = %v, want %v", cut, tt.wantTruncated)
			}
			if n := utf8.RuneCountInString(got); n > tt.limit {
				t.Errorf("result has %d characters, over the limit %d", n, tt.limit)
			}
		})
	}
}

func TestOpenFence(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"no fence":                        "",
		"```\ncode\n```\n":                "",
		"```text\ncode":                   "```",
		"````\n```\nstill inside":         "````",
		"~~~\ncode\n~~~":                  "",
		"```\ncode\n``` not a close":      "```",
		"    ```\nindented is not fenced": "",
	}
	for in, want := range tests {
		if got := openFence(in); got != want {
			t.Errorf("openFence(%q) = %q, want %q", in, got, want)
		}
	}
}
