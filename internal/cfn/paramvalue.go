package cfn

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Violation returns how value breaks the parameter's constraints as
// CloudFormation checks them when a stack is created or updated, or "" when
// it would accept the value. A list type is checked element by element,
// each space-trimmed as CloudFormation trims them. The declared
// ConstraintDescription, if any, is added in brackets. Both the deploy
// engine's offline checks and mlops check use it, so a value one accepts the
// other does not refuse.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
func (s ParamSpec) Violation(value string) string {
	list := s.Type == "CommaDelimitedList" || strings.HasPrefix(s.Type, "List<")
	items := []string{value}
	if list {
		items = strings.Split(value, ",")
	}
	for _, item := range items {
		if list {
			item = strings.TrimSpace(item)
		}
		if msg := s.violation(item); msg != "" {
			if s.ConstraintDescription != "" {
				msg += " (" + s.ConstraintDescription + ")"
			}
			return msg
		}
	}
	return ""
}

// Shown is value as a message may show it: quoted, or "(NoEcho value)" for
// a parameter whose value must not reach a log.
func (s ParamSpec) Shown(value string) string {
	if s.NoEcho {
		return "(NoEcho value)"
	}
	return strconv.Quote(value)
}

func (s ParamSpec) violation(v string) string {
	if len(s.AllowedValues) > 0 && !slices.Contains(s.AllowedValues, v) {
		return "is not one of the AllowedValues: " + strings.Join(s.AllowedValues, ", ")
	}
	// CloudFormation matches the whole value, with Java's regular
	// expressions; a pattern Go's cannot compile (a lookahead, say) is
	// left to CloudFormation rather than reported as broken.
	if s.AllowedPattern != "" {
		if re, err := regexp.Compile(`^(?:` + s.AllowedPattern + `)$`); err == nil && !re.MatchString(v) {
			return "does not match the AllowedPattern " + s.AllowedPattern
		}
	}
	if s.MinLength != nil && len(v) < *s.MinLength {
		return fmt.Sprintf("is shorter than MinLength %d", *s.MinLength)
	}
	if s.MaxLength != nil && len(v) > *s.MaxLength {
		return fmt.Sprintf("is longer than MaxLength %d", *s.MaxLength)
	}
	if s.Type == "Number" || s.Type == "List<Number>" {
		return s.numberViolation(v)
	}
	return ""
}

func (s ParamSpec) numberViolation(v string) string {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return "is not a number (the parameter's Type is " + s.Type + ")"
	}
	if s.MinValue != nil && n < *s.MinValue {
		return "is less than MinValue " + ScalarString(*s.MinValue)
	}
	if s.MaxValue != nil && n > *s.MaxValue {
		return "is greater than MaxValue " + ScalarString(*s.MaxValue)
	}
	return ""
}
