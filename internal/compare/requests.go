// Package compare sends the same requests to two endpoints — A, the
// environment in production, and B, a pull request's preview —
// interleaved and concurrently so both see the same load, and measures B
// against A: how often their answers agree, how accurate each is on
// labelled requests, latency percentiles and their ratio, error rates,
// and the thresholds of the config's compare section.
package compare

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// maxLine bounds one line of a request file.
const maxLine = 1 << 20

// Request is one line of a request file: the JSON body sent to both sides
// and, optionally, the answer expected.
type Request struct {
	File string
	Line int
	Body json.RawMessage
	// Expect is the expected answer decoded from JSON; nil when the line
	// gives none.
	Expect any
}

// Where names the request as file:line.
func (r Request) Where() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// line is the format of one line: {"body": {...}, "expect": "virginica"}.
type line struct {
	Body   json.RawMessage `json:"body"`
	Expect json.RawMessage `json:"expect"`
}

// Load reads every request of the files the patterns match, in pattern
// order and file name order within a pattern. A pattern matching nothing
// and a line that is not a request are errors naming file and line.
func Load(patterns []string) ([]Request, error) {
	var (
		reqs []Request
		errs []error
		seen = map[string]bool{}
	)
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		if err != nil || len(files) == 0 {
			errs = append(errs, &fault.Problem{File: p, Msg: "no request file matches; add JSON-lines files there or set compare.requests"})
			continue
		}
		sort.Strings(files)
		for _, f := range files {
			if seen[f] {
				continue
			}
			seen[f] = true
			rs, err := loadFile(f)
			errs = append(errs, err)
			reqs = append(reqs, rs...)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, &fault.Problem{File: patterns[0], Msg: "holds no requests; add one JSON object per line, e.g. {\"body\": {...}, \"expect\": \"label\"}"}
	}
	return reqs, nil
}

func loadFile(path string) ([]Request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &fault.Problem{File: path, Msg: fmt.Sprintf("cannot read the request file: %v", err)}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var (
		reqs []Request
		errs []error
	)
	for n := 1; sc.Scan(); n++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		r, err := parseLine(path, n, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		reqs = append(reqs, r)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, &fault.Problem{File: path, Msg: fmt.Sprintf("read the request file: %v", err)})
	}
	return reqs, errors.Join(errs...)
}

func parseLine(path string, n int, raw []byte) (Request, error) {
	bad := func(msg string) error {
		return &fault.Problem{File: path, Line: n, Msg: msg + `; write one JSON object per line: {"body": {...}, "expect": <answer, optional>}`}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var l line
	if err := dec.Decode(&l); err != nil {
		return Request{}, bad(fmt.Sprintf("not a request: %v", err))
	}
	if dec.More() {
		return Request{}, bad("holds more than one JSON value")
	}
	if len(l.Body) == 0 || string(l.Body) == "null" {
		return Request{}, bad(`has no "body"`)
	}
	r := Request{File: path, Line: n, Body: l.Body}
	if len(l.Expect) > 0 && string(l.Expect) != "null" {
		if err := json.Unmarshal(l.Expect, &r.Expect); err != nil {
			return Request{}, bad(fmt.Sprintf("expect: %v", err))
		}
	}
	return r, nil
}
