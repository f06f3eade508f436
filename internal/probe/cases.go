// Package probe runs endpoint test cases (tests/endpoint/*.yaml) against a
// deployed endpoint: a readiness wait, then HTTP cases with status, JSON-path
// and latency assertions, repeated and concurrent, with p50/p95/p99 latency.
package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/theory/jsonpath"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// Defaults for keys a case file leaves out.
const (
	DefaultReadyInterval  = 2 * time.Second
	DefaultRequestTimeout = 10 * time.Second
	maxRepeat             = 100000
	maxConcurrency        = 256
)

// Suite is one case file.
type Suite struct {
	File           string            `yaml:"-"`
	Ready          *Ready            `yaml:"ready"`
	RequestTimeout Duration          `yaml:"request_timeout"` // per request; default 10s
	Headers        map[string]string `yaml:"headers"`         // sent with every case
	Cases          []*Case           `yaml:"cases"`
}

// Ready is the wait before the cases: GET path until it answers status.
type Ready struct {
	Path     string   `yaml:"path"`
	Timeout  Duration `yaml:"timeout"`
	Interval Duration `yaml:"interval"` // default 2s
	Status   int      `yaml:"status"`   // default 200
}

// Case is one request (or a repeated, concurrent series of it) and what the
// answers must satisfy.
type Case struct {
	Name        string            `yaml:"name"`
	Method      string            `yaml:"method"` // default GET
	Path        string            `yaml:"path"`   // path and query, relative to the endpoint URL
	Headers     map[string]string `yaml:"headers"`
	Body        any               `yaml:"body"` // sent as JSON
	Expect      Expect            `yaml:"expect"`
	Latency     *Latency          `yaml:"latency"`
	Repeat      int               `yaml:"repeat"`      // requests in total; default 1
	Concurrency int               `yaml:"concurrency"` // requests in flight at once; default 1
	// NeedsWeights false marks a case the endpoint answers without model
	// weights (a health check); default true: the case is skipped while
	// the endpoint reports it has none.
	NeedsWeights *bool `yaml:"needs_weights"`
	Line         int   `yaml:"-"` // where the case starts in its file

	body []byte   // Body encoded as JSON
	ref  *url.URL // Path parsed
}

// Expect is what every answer of a case must satisfy.
type Expect struct {
	Status int          `yaml:"status"` // default 200
	JSON   []*Assertion `yaml:"json"`
}

// Assertion checks the values an RFC 9535 JSONPath selects from the
// response body. Every selected value must satisfy every check given.
type Assertion struct {
	Path    string   `yaml:"path"`
	Equals  any      `yaml:"equals"`
	Exists  *bool    `yaml:"exists"`
	Matches string   `yaml:"matches"`
	Min     *float64 `yaml:"min"`
	Max     *float64 `yaml:"max"`

	path   *jsonpath.Path
	equals any // Equals normalised to what encoding/json decodes
	re     *regexp.Regexp
}

// Latency bounds a case's latency percentiles; zero means no bound.
type Latency struct {
	P50 Duration `yaml:"p50"`
	P95 Duration `yaml:"p95"`
	P99 Duration `yaml:"p99"`
}

// Duration is a duration written as Go writes it ("300ms", "2m"). It is
// parsed after decoding, so a bad value is reported with its key and line.
type Duration struct {
	Text  string
	Value time.Duration
}

// UnmarshalYAML keeps the text; check parses it.
func (d *Duration) UnmarshalYAML(b []byte) error { return yaml.Unmarshal(b, &d.Text) }

// parse sets d.Value from d.Text, or to def when the key was left out.
func (d *Duration) parse(c *checker, key string, def time.Duration) {
	if d.Text == "" {
		d.Value = def
		return
	}
	v, err := time.ParseDuration(d.Text)
	if err != nil || v <= 0 {
		c.add(key, "%q is not a positive duration such as 300ms, 10s or 2m", d.Text)
		return
	}
	d.Value = v
}

// LoadFiles reads and checks every case file; all problems are reported
// together, each as a *fault.Problem naming file, line and key.
func LoadFiles(paths []string) ([]*Suite, error) {
	var (
		suites []*Suite
		errs   []error
	)
	for _, p := range paths {
		s, err := LoadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		suites = append(suites, s)
	}
	return suites, errors.Join(errs...)
}

// LoadFile reads and checks one case file.
func LoadFile(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read case file: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and checks case file data; unknown keys are errors, so a
// misspelt assertion cannot silently pass. path is used in messages.
func Parse(path string, data []byte) (*Suite, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &fault.Problem{File: path, Msg: "file is empty; it needs a cases list"}
	}
	var s Suite
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField()).Decode(&s); err != nil {
		return nil, decodeProblem(path, err)
	}
	s.File = path
	file, _ := parser.ParseBytes(data, 0)
	ps := s.check()
	if len(ps) == 0 {
		for i, c := range s.Cases {
			c.Line = lineOf(file, fmt.Sprintf("cases[%d]", i))
		}
		return &s, nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		p.File, p.Line = path, lineOf(file, p.Key)
		errs[i] = p
	}
	return nil, errors.Join(errs...)
}

func decodeProblem(path string, err error) error {
	var yerr yaml.Error
	if !errors.As(err, &yerr) {
		return &fault.Problem{File: path, Msg: err.Error()}
	}
	p := &fault.Problem{File: path, Msg: yerr.GetMessage()}
	if tok := yerr.GetToken(); tok != nil && tok.Position != nil {
		p.Line = tok.Position.Line
	}
	if field, ok := strings.CutPrefix(p.Msg, "unknown field "); ok {
		p.Msg = fmt.Sprintf("unknown key %s; case files take ready, request_timeout, headers and cases (see docs/endpoint.md)", field)
	}
	return p
}

// lineOf returns the line of the node at key path (such as
// cases[2].expect.json[0].path), trying parents when the key itself is absent.
func lineOf(file *ast.File, key string) int {
	if file == nil {
		return 0
	}
	for k := key; k != ""; k = parent(k) {
		p, err := yaml.PathString("$." + k)
		if err != nil {
			continue
		}
		if n, err := p.FilterFile(file); err == nil && n != nil && n.GetToken() != nil && n.GetToken().Position != nil {
			return n.GetToken().Position.Line
		}
	}
	return 0
}

func parent(k string) string {
	i := strings.LastIndexAny(k, ".[")
	if i < 0 {
		return ""
	}
	return k[:i]
}

type checker struct{ ps []*fault.Problem }

func (c *checker) add(key, format string, args ...any) {
	c.ps = append(c.ps, &fault.Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (s *Suite) check() []*fault.Problem {
	c := &checker{}
	if s.Ready != nil {
		s.Ready.check(c)
	}
	s.RequestTimeout.parse(c, "request_timeout", DefaultRequestTimeout)
	checkHeaders(c, "headers", s.Headers)
	if len(s.Cases) == 0 {
		c.add("cases", "must list at least one case")
	}
	names := map[string]int{}
	for i, cs := range s.Cases {
		k := fmt.Sprintf("cases[%d]", i)
		if cs == nil {
			c.add(k, "is empty; a case needs at least a name and a path")
			continue
		}
		if j, dup := names[cs.Name]; dup && cs.Name != "" {
			c.add(k+".name", "%q is also the name of cases[%d]; names must be unique", cs.Name, j)
		}
		names[cs.Name] = i
		cs.check(c, k)
	}
	return c.ps
}

func (r *Ready) check(c *checker) {
	checkPath(c, "ready.path", r.Path)
	if r.Timeout.Text == "" {
		c.add("ready.timeout", "must be set to how long the endpoint may take to get ready, such as 2m")
	}
	r.Timeout.parse(c, "ready.timeout", 0)
	r.Interval.parse(c, "ready.interval", DefaultReadyInterval)
	r.Status = checkStatus(c, "ready.status", r.Status)
}

func checkPath(c *checker, key, p string) *url.URL {
	if !strings.HasPrefix(p, "/") {
		c.add(key, "%q must start with /, e.g. /ping", p)
		return nil
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		c.add(key, "%q is not a path with an optional query (%v)", p, err)
		return nil
	}
	return u
}

func checkStatus(c *checker, key string, s int) int {
	if s == 0 {
		return http.StatusOK
	}
	if s < 100 || s > 599 {
		c.add(key, "%d is not an HTTP status code (100-599)", s)
	}
	return s
}

func checkHeaders(c *checker, key string, h map[string]string) {
	for name := range h {
		if name == "" || strings.ContainsAny(name, " :\t\r\n") {
			c.add(key, "%q is not a valid header name", name)
		}
	}
}

var methodRe = regexp.MustCompile(`^[A-Z]+$`)

func (cs *Case) check(c *checker, k string) {
	if strings.TrimSpace(cs.Name) == "" {
		c.add(k+".name", "must not be empty; it names the case in reports")
	}
	if cs.Method == "" {
		cs.Method = http.MethodGet
	}
	if !methodRe.MatchString(cs.Method) {
		c.add(k+".method", "%q is not an HTTP method such as GET or POST (upper case)", cs.Method)
	}
	cs.ref = checkPath(c, k+".path", cs.Path)
	checkHeaders(c, k+".headers", cs.Headers)
	if cs.Body != nil {
		b, err := json.Marshal(cs.Body)
		if err != nil {
			c.add(k+".body", "cannot be sent as JSON: %v", err)
		}
		cs.body = b
	}
	cs.Expect.Status = checkStatus(c, k+".expect.status", cs.Expect.Status)
	for i, a := range cs.Expect.JSON {
		a.check(c, fmt.Sprintf("%s.expect.json[%d]", k, i))
	}
	if cs.Latency != nil {
		cs.Latency.P50.parse(c, k+".latency.p50", 0)
		cs.Latency.P95.parse(c, k+".latency.p95", 0)
		cs.Latency.P99.parse(c, k+".latency.p99", 0)
	}
	cs.checkLoad(c, k)
}

func (cs *Case) checkLoad(c *checker, k string) {
	if cs.Repeat == 0 {
		cs.Repeat = 1
	}
	if cs.Repeat < 1 || cs.Repeat > maxRepeat {
		c.add(k+".repeat", "%d must be between 1 and %d", cs.Repeat, maxRepeat)
	}
	if cs.Concurrency == 0 {
		cs.Concurrency = 1
	}
	if cs.Concurrency < 1 || cs.Concurrency > maxConcurrency {
		c.add(k+".concurrency", "%d must be between 1 and %d", cs.Concurrency, maxConcurrency)
	}
	if cs.Concurrency > cs.Repeat && cs.Repeat >= 1 {
		c.add(k+".concurrency", "%d is more than repeat (%d); requests in flight cannot exceed requests sent", cs.Concurrency, cs.Repeat)
	}
}

func (a *Assertion) check(c *checker, k string) {
	if a == nil {
		c.add(k, "is empty; give a path and a check such as equals")
		return
	}
	p, err := jsonpath.Parse(a.Path)
	if err != nil {
		c.add(k+".path", "%q is not an RFC 9535 JSONPath such as $.prediction: %v", a.Path, err)
	}
	a.path = p
	if a.Equals == nil && a.Exists == nil && a.Matches == "" && a.Min == nil && a.Max == nil {
		c.add(k, "checks nothing; add equals, exists, matches, min or max")
	}
	if a.Equals != nil {
		b, err := json.Marshal(a.Equals)
		if err == nil {
			err = json.Unmarshal(b, &a.equals)
		}
		if err != nil {
			c.add(k+".equals", "cannot be compared as JSON: %v", err)
		}
	}
	if a.Matches != "" {
		re, err := regexp.Compile(a.Matches)
		if err != nil {
			c.add(k+".matches", "%q is not a regular expression: %v", a.Matches, err)
		}
		a.re = re
	}
	if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
		c.add(k+".min", "%v is above max %v", *a.Min, *a.Max)
	}
}
