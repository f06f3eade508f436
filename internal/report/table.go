// Package report renders what the suite shows people — tables and status
// lines — as markdown (job summaries, PR comments) or plain text (logs), so
// every command renders the same way.
package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Table is a header row and data rows.
type Table struct {
	Header []string
	Rows   [][]string
}

// AddRow appends one row; values are formatted with %v.
func (t *Table) AddRow(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	t.Rows = append(t.Rows, row)
}

// Markdown renders the table as GitHub-flavoured markdown, escaping pipes
// and newlines in cells so user text cannot break the layout.
func (t *Table) Markdown() string {
	var b strings.Builder
	writeMDRow(&b, t.Header)
	b.WriteString("|")
	for range t.Header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		writeMDRow(&b, r)
	}
	return b.String()
}

func writeMDRow(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" " + EscapeCell(c) + " |")
	}
	b.WriteString("\n")
}

// EscapeCell makes s safe inside a markdown table cell.
func EscapeCell(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// Text renders the table with aligned columns for terminals and logs.
func (t *Table) Text() string {
	widths := make([]int, len(t.Header))
	for i, h := range t.Header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			if i < len(widths) && utf8.RuneCountInString(c) > widths[i] {
				widths[i] = utf8.RuneCountInString(c)
			}
		}
	}
	var b strings.Builder
	writeTextRow(&b, t.Header, widths)
	for _, r := range t.Rows {
		writeTextRow(&b, r, widths)
	}
	return b.String()
}

func writeTextRow(b *strings.Builder, cells []string, widths []int) {
	for i, c := range cells {
		if i == len(cells)-1 {
			b.WriteString(c)
			break
		}
		b.WriteString(c + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
	}
	b.WriteString("\n")
}
