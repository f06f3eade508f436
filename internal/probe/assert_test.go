package probe

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestAssertions(t *testing.T) {
	t.Parallel()
	const body = `{"prediction": 1.0, "label": "virginica", "predictions": [{"value": 0.2}, {"value": 0.9}], "weights": {"version": "v1", "features": ["a", "b"]}, "error": null}`
	var doc any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		check string // the assertion, as YAML flow mapping
		want  string // "" when it holds
	}{
		{`{path: $.prediction, equals: 1}`, ""}, // YAML int equals JSON 1.0
		{`{path: $.weights, equals: {version: v1, features: [a, b]}}`, ""},
		{`{path: $.weights.features, equals: [b, a]}`, `$.weights.features: expected ["b","a"], got ["a","b"]`},
		{`{path: $.label, equals: setosa}`, `$.label: expected "setosa", got "virginica"`},
		{`{path: $.label, matches: "^virg"}`, ""},
		{`{path: $.label, matches: "^set"}`, `$.label: expected a match for "^set", got "virginica"`},
		{`{path: $.prediction, matches: "1"}`, `$.prediction: expected a string matching "1", got 1`},
		{`{path: "$.predictions[*].value", min: 0, max: 1}`, ""},
		{`{path: "$.predictions[*].value", min: 0.5}`, `$.predictions[*].value: expected at least 0.5, got 0.2`},
		{`{path: $.label, max: 1}`, `$.label: expected a number, got "virginica"`},
		{`{path: $.weights.sha, exists: true}`, `$.weights.sha: expected a value, found none`},
		{`{path: $.weights.sha, exists: false}`, ""},
		{`{path: $.error, exists: false}`, `$.error: expected no value, found null`},
		{`{path: $.missing, equals: 1}`, `$.missing: selects nothing in the response`},
		{`{path: "$..version", equals: v1}`, ""},
		{`{path: "$.predictions[?@.value > 0.5].value", equals: 0.9}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.check, func(t *testing.T) {
			t.Parallel()
			s, err := Parse("a.yaml", []byte(fmt.Sprintf("cases:\n  - name: a\n    path: /\n    expect:\n      json: [%s]\n", tt.check)))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Cases[0].Expect.JSON[0].eval(doc); got != tt.want {
				t.Errorf("eval = %q, want %q", got, tt.want)
			}
		})
	}
}
