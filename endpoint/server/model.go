package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// ModelFile is the file inside a weights version directory that holds the
// model. Its format is documented in docs/endpoint.md.
const ModelFile = "model.json"

// Model kinds the endpoint can serve.
const (
	KindLinear   = "linear"   // prediction = intercept + Σ coefficient·feature
	KindLogistic = "logistic" // probability = 1 / (1 + e^-(intercept + Σ coefficient·feature))
)

// Model is a linear or logistic regression over named features, decoded from
// model.json.
type Model struct {
	Kind         string    `json:"kind"`
	Features     []string  `json:"features"`
	Coefficients []float64 `json:"coefficients"`
	Intercept    float64   `json:"intercept"`
	// Labels name the negative and positive class of a logistic model.
	Labels []string `json:"labels,omitempty"`
	// Threshold is the probability at or above which a logistic model
	// predicts the positive label; 0 means 0.5.
	Threshold float64 `json:"threshold,omitempty"`

	index map[string]int
}

// Prediction is the model's answer for one input.
type Prediction struct {
	// Value is the linear prediction, or the positive-class probability.
	Value float64 `json:"value"`
	// Label is the predicted class of a logistic model with labels.
	Label string `json:"label,omitempty"`
}

// ParseModel decodes and checks model.json; unknown keys are refused so a
// typo in a coefficient name does not silently change predictions.
func ParseModel(data []byte) (*Model, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", ModelFile, err)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", ModelFile, err)
	}
	return &m, nil
}

func (m *Model) check() error {
	if m.Kind != KindLinear && m.Kind != KindLogistic {
		return fmt.Errorf("kind %q is not %q or %q", m.Kind, KindLinear, KindLogistic)
	}
	if len(m.Features) == 0 {
		return errors.New("features must list at least one feature")
	}
	if len(m.Features) != len(m.Coefficients) {
		return fmt.Errorf("%d features but %d coefficients; they must pair up", len(m.Features), len(m.Coefficients))
	}
	m.index = make(map[string]int, len(m.Features))
	for i, f := range m.Features {
		if f == "" {
			return fmt.Errorf("features[%d] is empty", i)
		}
		if _, dup := m.index[f]; dup {
			return fmt.Errorf("feature %q is listed twice", f)
		}
		m.index[f] = i
	}
	if m.Kind == KindLogistic && m.Labels != nil && len(m.Labels) != 2 {
		return fmt.Errorf("labels must name exactly two classes (negative, positive), got %d", len(m.Labels))
	}
	if m.Threshold < 0 || m.Threshold >= 1 {
		return fmt.Errorf("threshold %v must be in [0, 1)", m.Threshold)
	}
	return nil
}

// Predict computes the model's answer for the named feature values. Every
// feature must be present and no other may be given, so a client sending
// the wrong schema hears about it instead of getting a silent default.
func (m *Model) Predict(x map[string]float64) (Prediction, error) {
	if err := m.checkInput(x); err != nil {
		return Prediction{}, err
	}
	z := m.Intercept
	for i, f := range m.Features {
		z += m.Coefficients[i] * x[f]
	}
	if m.Kind == KindLinear {
		return Prediction{Value: z}, nil
	}
	p := 1 / (1 + math.Exp(-z))
	out := Prediction{Value: p}
	if len(m.Labels) == 2 {
		t := m.Threshold
		if t == 0 {
			t = 0.5
		}
		out.Label = m.Labels[0]
		if p >= t {
			out.Label = m.Labels[1]
		}
	}
	return out, nil
}

// InputError is a request the model cannot answer (missing or unknown
// feature); the server maps it to 400.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func (m *Model) checkInput(x map[string]float64) error {
	for _, f := range m.Features {
		if _, ok := x[f]; !ok {
			return &InputError{Msg: fmt.Sprintf("missing feature %q; the model needs %v", f, m.Features)}
		}
	}
	for f, v := range x {
		if _, ok := m.index[f]; !ok {
			return &InputError{Msg: fmt.Sprintf("unknown feature %q; the model takes %v", f, m.Features)}
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &InputError{Msg: fmt.Sprintf("feature %q is not a finite number", f)}
		}
	}
	return nil
}
