package cfn

import "testing"

func TestViolation(t *testing.T) {
	t.Parallel()
	three, eight := 3, 8
	one, ten := 1.0, 10.0
	for _, tc := range []struct {
		name  string
		spec  ParamSpec
		value string
		want  string
	}{
		{"allowed", ParamSpec{Type: "String", AllowedValues: []string{"dev", "prod"}}, "prod", ""},
		{"not allowed", ParamSpec{Type: "String", AllowedValues: []string{"dev", "prod"}}, "stg", "is not one of the AllowedValues: dev, prod"},
		// CloudFormation trims each element of a list; a String keeps its spaces.
		{"list elements trimmed", ParamSpec{Type: "CommaDelimitedList", AllowedValues: []string{"a", "b"}}, "a, b", ""},
		{"string not trimmed", ParamSpec{Type: "String", AllowedValues: []string{"a"}}, " a", "is not one of the AllowedValues: a"},
		{"list element refused", ParamSpec{Type: "List<Number>", MaxValue: &ten}, "1, 11", "is greater than MaxValue 10"},
		{"pattern is whole value", ParamSpec{Type: "String", AllowedPattern: "[a-z]+", ConstraintDescription: "lowercase"}, "abc1", "does not match the AllowedPattern [a-z]+ (lowercase)"},
		{"pattern alternation anchored", ParamSpec{Type: "String", AllowedPattern: "a|b"}, "ab", "does not match the AllowedPattern a|b"},
		{"Java-only pattern left to CloudFormation", ParamSpec{Type: "String", AllowedPattern: "(?!x).*"}, "x", ""},
		{"too short", ParamSpec{Type: "String", MinLength: &three}, "ab", "is shorter than MinLength 3"},
		{"too long", ParamSpec{Type: "String", MaxLength: &eight}, "123456789", "is longer than MaxLength 8"},
		{"not a number", ParamSpec{Type: "Number"}, "eighty", "is not a number (the parameter's Type is Number)"},
		{"below MinValue", ParamSpec{Type: "Number", MinValue: &one}, "0", "is less than MinValue 1"},
		{"number with spaces", ParamSpec{Type: "Number", MinValue: &one}, " 2 ", ""},
	} {
		if got := tc.spec.Violation(tc.value); got != tc.want {
			t.Errorf("%s: Violation(%q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
}

func TestShownHidesNoEcho(t *testing.T) {
	t.Parallel()
	if got := (ParamSpec{NoEcho: true}).Shown("s3cret"); got != "(NoEcho value)" {
		t.Errorf("Shown of a NoEcho value = %q, want (NoEcho value)", got)
	}
	if got := (ParamSpec{}).Shown("x"); got != `"x"` {
		t.Errorf("Shown = %q, want %q", got, `"x"`)
	}
}
