package cfntemplate

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// eval evaluates the intrinsic functions the load balancer's CIDR rules
// use (Ref to parameters, Fn::Join, Fn::Split, Fn::Select, Fn::Equals,
// Fn::Not, Fn::If with AWS::NoValue), as CloudFormation would.
func eval(t *testing.T, v any, params map[string]any, conds map[string]any) any {
	t.Helper()
	fn, arg, ok := cfn.Intrinsic(v)
	if !ok {
		switch x := v.(type) {
		case []any:
			var out []any
			for _, e := range x {
				if r := eval(t, e, params, conds); r != (noValue{}) {
					out = append(out, r)
				}
			}
			return out
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				out[k] = eval(t, e, params, conds)
			}
			return out
		}
		return v
	}
	args, _ := arg.([]any)
	switch fn {
	case "Ref":
		if arg == "AWS::NoValue" {
			return noValue{}
		}
		return params[str(arg)]
	case "Fn::Join":
		var parts []string
		for _, p := range eval(t, args[1], params, conds).([]any) {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, str(args[0]))
	case "Fn::Split":
		var out []any
		for _, p := range strings.Split(eval(t, args[1], params, conds).(string), str(args[0])) {
			out = append(out, p)
		}
		return out
	case "Fn::Select":
		list := eval(t, args[1], params, conds).([]any)
		i := int(args[0].(int64))
		if i >= len(list) {
			t.Fatalf("Fn::Select index %d past the end of %v", i, list)
		}
		return list[i]
	case "Fn::Equals":
		return eval(t, args[0], params, conds) == eval(t, args[1], params, conds)
	case "Fn::Not":
		return !eval(t, args[0], params, conds).(bool)
	case "Condition":
		return eval(t, conds[str(arg)], params, conds)
	case "Fn::If":
		if eval(t, conds[str(args[0])], params, conds).(bool) {
			return eval(t, args[1], params, conds)
		}
		return eval(t, args[2], params, conds)
	}
	t.Fatalf("eval: %s not supported", fn)
	return nil
}

// TestAllowedCidrIpRules evaluates the load balancer's ingress for one to
// four CIDR blocks: each block gets 80 and 443, and nothing else opens.
func TestAllowedCidrIpRules(t *testing.T) {
	t.Parallel()
	tmpl, err := Open(filepath.Join(root, "cf_templates", "create-ep-a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ingress := tmpl.resource("AlbSecurityGroup")["Properties"].(map[string]any)["SecurityGroupIngress"]
	for _, cidrs := range [][]string{{"0.0.0.0/0"}, {"10.0.0.0/8", "192.0.2.0/24"}, {"10.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"}} {
		t.Run(fmt.Sprint(len(cidrs)), func(t *testing.T) {
			t.Parallel()
			got := map[string]bool{}
			for _, r := range eval(t, ingress, map[string]any{"AllowedCidrIp": strings.Join(cidrs, ",")}, tmpl.section("Conditions")).([]any) {
				m := r.(map[string]any)
				got[fmt.Sprintf("%v:%v", m["CidrIp"], m["FromPort"])] = true
			}
			want := map[string]bool{}
			for _, c := range cidrs {
				want[c+":80"], want[c+":443"] = true, true
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ingress (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAllowedCidrIpPattern: the ingress above has room for four blocks, so
// the parameter's pattern must refuse a fifth instead of letting it be
// silently dropped, and must refuse anything that is not a CIDR list.
func TestAllowedCidrIpPattern(t *testing.T) {
	t.Parallel()
	tmpl, err := Open(filepath.Join(root, "cf_templates", "create-ep-a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	param := tmpl.section("Parameters")["AllowedCidrIp"].(map[string]any)
	re := regexp.MustCompile(param["AllowedPattern"].(string))
	for value, want := range map[string]bool{
		"0.0.0.0/0":               true,
		"10.0.0.0/8,192.0.2.0/24": true,
		"10.0.0.0/8,192.0.2.0/24,198.51.100.0/24,203.0.113.0/24":               true,
		"10.0.0.0/8,192.0.2.0/24,198.51.100.0/24,203.0.113.0/24,100.64.0.0/10": false,
		"10.0.0.0/8, 192.0.2.0/24":                                             false,
		"":                                                                     false,
		"10.0.0.0":                                                             false,
		"10.0.0.0/8,":                                                          false,
	} {
		if got := re.MatchString(value); got != want {
			t.Errorf("AllowedCidrIp pattern matches %q = %v, want %v", value, got, want)
		}
	}
}
