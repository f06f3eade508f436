package cftemplates

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// account evaluates bootstrap.yaml as CloudFormation would in one example
// account: parameters (defaults overridden by params), pseudo parameters,
// conditions, and the Ref/GetAtt values of the resources the policies name.
type account struct {
	t      testing.TB
	tmpl   map[string]any
	params map[string]string
	mu     sync.Mutex // guards conds: parallel subtests share an account
	conds  map[string]bool
	values map[string]string // "Name" (Ref) and "Name.Attr" (GetAtt)
}

// noValue is what Ref AWS::NoValue evaluates to: the item disappears.
type noValue struct{}

func newAccount(t testing.TB, tmpl map[string]any, params map[string]string) *account {
	t.Helper()
	a := &account{t: t, tmpl: tmpl, params: map[string]string{
		"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012",
		"AWS::StackName": "ecs-mlops-bootstrap", "AWS::URLSuffix": "amazonaws.com", "GitHubRepository": "acme/models",
	}, conds: map[string]bool{}, values: map[string]string{}}
	ps, _ := tmpl["Parameters"].(map[string]any)
	for name, p := range ps {
		pm, _ := p.(map[string]any)
		if def, ok := pm["Default"]; ok {
			a.params[name] = fmt.Sprint(def)
		}
	}
	for k, v := range params {
		a.params[k] = v
	}
	a.physicalValues()
	return a
}

// physicalValues fills in what Ref and GetAtt return for the resources
// whose names the policies use.
func (a *account) physicalValues() {
	for name, r := range resources(a.tmpl) {
		p := props(r)
		str := func(key string) string { s, _ := a.eval(p[key]).(string); return s }
		switch r["Type"] {
		case "AWS::ECR::Repository":
			a.values[name+".Arn"] = "arn:aws:ecr:eu-west-1:123456789012:repository/" + str("RepositoryName")
		case "AWS::S3::Bucket":
			a.values[name] = str("BucketName")
			a.values[name+".Arn"] = "arn:aws:s3:::" + str("BucketName")
		case "AWS::IAM::Role":
			a.values[name] = str("RoleName")
			a.values[name+".Arn"] = "arn:aws:iam::123456789012:role/" + str("RoleName")
		case "AWS::IAM::ManagedPolicy":
			a.values[name] = "arn:aws:iam::123456789012:policy/" + str("ManagedPolicyName")
		case "AWS::IAM::OIDCProvider":
			a.values[name] = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
		}
	}
}

func (a *account) condition(name string) bool {
	a.mu.Lock()
	v, ok := a.conds[name]
	a.mu.Unlock()
	if ok {
		return v
	}
	cs, _ := a.tmpl["Conditions"].(map[string]any)
	def, ok := cs[name]
	if !ok {
		a.t.Fatalf("condition %s is not defined", name)
	}
	b, _ := a.eval(def).(bool)
	a.mu.Lock()
	a.conds[name] = b
	a.mu.Unlock()
	return b
}

// eval resolves the intrinsic functions the suite's templates use.
func (a *account) eval(v any) any {
	switch x := v.(type) {
	case []any:
		out := []any{}
		for _, it := range x {
			if r := a.eval(it); r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out
	case map[string]any:
		if isIntrinsic(x) || x["Condition"] != nil && len(x) == 1 {
			return a.intrinsic(x)
		}
		out := map[string]any{}
		for k, it := range x {
			if r := a.eval(it); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	}
	return v
}

func (a *account) intrinsic(x map[string]any) any {
	for fn, arg := range x {
		args, _ := arg.([]any)
		switch fn {
		case "Ref":
			name := a.str(arg, fn)
			if name == "AWS::NoValue" {
				return noValue{}
			}
			return a.lookup(name)
		case "Condition":
			return a.condition(a.str(arg, fn))
		case "Fn::GetAtt":
			if s, ok := arg.(string); ok {
				return a.lookup(s)
			}
			args = a.args(arg, fn, 2)
			return a.lookup(fmt.Sprintf("%v.%v", args[0], args[1]))
		case "Fn::Sub":
			return a.sub(arg)
		case "Fn::If":
			args = a.args(arg, fn, 3)
			if a.condition(a.str(args[0], fn)) {
				return a.eval(args[1])
			}
			return a.eval(args[2])
		case "Fn::Equals":
			args = a.args(arg, fn, 2)
			return fmt.Sprint(a.eval(args[0])) == fmt.Sprint(a.eval(args[1]))
		case "Fn::Not":
			args = a.args(arg, fn, 1)
			b, _ := a.eval(args[0]).(bool)
			return !b
		case "Fn::And", "Fn::Or":
			all, any := true, false
			for _, c := range args {
				b, _ := a.eval(c).(bool)
				all, any = all && b, any || b
			}
			return map[bool]bool{true: all, false: any}[fn == "Fn::And"]
		case "Fn::Split":
			var out []any
			args = a.args(arg, fn, 2)
			for _, s := range strings.Split(a.str(a.eval(args[1]), fn), a.str(args[0], fn)) {
				out = append(out, s)
			}
			return out
		case "Fn::Join":
			var parts []string
			args = a.args(arg, fn, 2)
			for _, p := range a.args(a.eval(args[1]), fn, 0) {
				parts = append(parts, fmt.Sprint(p))
			}
			return strings.Join(parts, a.str(args[0], fn))
		case "Fn::Select":
			i, _ := strconv.Atoi(fmt.Sprint(a.eval(args[0])))
			args = a.args(arg, fn, 2)
			return a.args(a.eval(args[1]), fn, i+1)[i]
		}
		a.t.Fatalf("intrinsic %s is not evaluated here", fn)
	}
	return nil
}

func (a *account) sub(arg any) string {
	s, vars := "", map[string]any{}
	switch x := arg.(type) {
	case string:
		s = x
	case []any:
		x = a.args(x, "Fn::Sub", 1)
		s = a.str(x[0], "Fn::Sub")
		if len(x) > 1 {
			vars, _ = x[1].(map[string]any)
		}
	}
	return subRe.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return fmt.Sprint(a.eval(v))
		}
		return a.lookup(name)
	})
}

func (a *account) lookup(name string) string {
	if v, ok := a.params[name]; ok {
		return v
	}
	if v, ok := a.values[name]; ok {
		return v
	}
	a.t.Fatalf("%s has no value in the example account", name)
	return ""
}

// policies returns a role's inline policies, resolved.
func (a *account) policies(role string) []iampolicy.Document {
	a.t.Helper()
	r, ok := resources(a.tmpl)[role]
	if !ok {
		a.t.Fatalf("no resource %s", role)
	}
	var docs []iampolicy.Document
	pols, _ := props(r)["Policies"].([]any)
	for _, p := range pols {
		docs = append(docs, a.document(dig(a.t, p, "PolicyDocument")))
	}
	return docs
}

// managedPolicy returns the document of an AWS::IAM::ManagedPolicy.
func (a *account) managedPolicy(name string) iampolicy.Document {
	return a.document(props(resources(a.tmpl)[name])["PolicyDocument"])
}

func (a *account) document(v any) iampolicy.Document {
	a.t.Helper()
	d, err := iampolicy.FromValue(a.eval(v))
	if err != nil {
		a.t.Fatalf("policy document: %v", err)
	}
	return d
}

// str is v as the string fn takes; another shape fails the test naming fn.
func (a *account) str(v any, fn string) string {
	a.t.Helper()
	s, ok := v.(string)
	if !ok {
		a.t.Fatalf("%s: want a string, got %s", fn, shape(v))
	}
	return s
}

// args is v as the list of at least n arguments fn takes; another shape
// fails the test naming fn.
func (a *account) args(v any, fn string, n int) []any {
	a.t.Helper()
	l, ok := v.([]any)
	if !ok || len(l) < n {
		a.t.Fatalf("%s: want a list of at least %d arguments, got %s", fn, n, shape(v))
	}
	return l
}
