package stacktest

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// physicalID invents an id shaped like the real one for the resource type:
// ARNs for ECS services and ELB resources (what Ref returns for them).
func (f *Fake) physicalID(st *fakeStack, id, typ string) string {
	short := fmt.Sprintf("%s-%s", st.name, id)
	hex := fmt.Sprintf("%017x", uint64(f.nextSeq())*2654435761)
	switch typ {
	case "AWS::ECS::Service":
		name := short
		if st.template != nil {
			if n, ok := st.template.Resources[id].Properties["ServiceName"].(string); ok {
				name = n
			}
		}
		return fmt.Sprintf("arn:aws:ecs:%s:%s:service/%s/%s", f.Region, f.Account, f.clusterOf(st, id), name)
	case "AWS::ECS::Cluster":
		return short
	case "AWS::ElasticLoadBalancingV2::TargetGroup":
		return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", f.Region, f.Account, trim(short, 32), hex)
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/%s/%s", f.Region, f.Account, trim(short, 32), hex)
	case "AWS::ElasticLoadBalancingV2::ListenerRule":
		return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener-rule/app/%s/%s/%s", f.Region, f.Account, trim(short, 32), hex, hex[:8])
	case "AWS::EFS::FileSystem":
		return "fs-" + hex[:17]
	}
	return trim(short, 48) + "-" + strings.ToUpper(hex[:12])
}

func (f *Fake) clusterOf(st *fakeStack, id string) string {
	if st.template == nil {
		return "default"
	}
	v := f.eval(st, st.template.Resources[id].Properties["Cluster"])
	if v == "" {
		return "default"
	}
	if i := strings.LastIndex(v, "/"); i >= 0 {
		return v[i+1:]
	}
	return v
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// evalOutputs derives the stack's outputs from the template's Outputs:
// StackOutputValues, then OutputValues, else the expression evaluated with fake values.
func (f *Fake) evalOutputs(st *fakeStack) []types.Output {
	if st.template == nil {
		return nil
	}
	keys := make([]string, 0, len(st.template.Outputs))
	for k := range st.template.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Output, 0, len(keys))
	for _, k := range keys {
		v, ok := f.StackOutputValues[st.name][k]
		if !ok {
			v, ok = f.OutputValues[k]
		}
		if !ok {
			v = f.eval(st, st.template.Outputs[k].Value)
		}
		o := types.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)}
		if d := st.template.Outputs[k].Description; d != "" {
			o.Description = aws.String(d)
		}
		out = append(out, o)
	}
	return out
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// eval evaluates the intrinsic functions outputs commonly use.
func (f *Fake) eval(st *fakeStack, v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = f.eval(st, p)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		return f.evalFn(st, x)
	}
	return stack.ScalarString(v)
}

func (f *Fake) evalFn(st *fakeStack, m map[string]any) string {
	for fn, arg := range m {
		switch fn {
		case "Ref":
			return f.ref(st, f.eval(st, arg))
		case "Fn::GetAtt":
			parts, _ := arg.([]any)
			if len(parts) == 2 {
				return f.getAtt(st, f.eval(st, parts[0]), f.eval(st, parts[1]))
			}
		case "Fn::Sub":
			return f.sub(st, arg)
		case "Fn::Join":
			parts, _ := arg.([]any)
			if len(parts) == 2 {
				items, _ := parts[1].([]any)
				strs := make([]string, len(items))
				for i, it := range items {
					strs[i] = f.eval(st, it)
				}
				return strings.Join(strs, f.eval(st, parts[0]))
			}
		case "Fn::If":
			parts, _ := arg.([]any)
			if len(parts) == 3 {
				if name, _ := parts[0].(string); f.holds(st, name) {
					return f.eval(st, parts[1])
				}
				return f.eval(st, parts[2])
			}
		case "Fn::Split":
			// Lists are evaluated as comma-joined strings.
			parts, _ := arg.([]any)
			if len(parts) == 2 {
				return strings.Join(strings.Split(f.eval(st, parts[1]), f.eval(st, parts[0])), ",")
			}
		case "Fn::ImportValue":
			return f.importValue(f.eval(st, arg))
		case "Fn::Select":
			parts, _ := arg.([]any)
			if len(parts) == 2 {
				i, _ := strconv.Atoi(f.eval(st, parts[0]))
				items := strings.Split(f.eval(st, parts[1]), ",")
				if i < len(items) {
					return items[i]
				}
			}
		}
	}
	return ""
}

// importValue resolves an export. The templates here export every shared
// output as "<stack name>-<output key>", so an export is found by that name
// among the live stacks' outputs; an unknown one gets a stand-in value.
func (f *Fake) importValue(name string) string {
	for _, other := range f.stacks {
		if other.status == types.StackStatusDeleteComplete {
			continue
		}
		for _, o := range other.outputs {
			if other.name+"-"+aws.ToString(o.OutputKey) == name {
				return aws.ToString(o.OutputValue)
			}
		}
	}
	return "imported-" + name
}

// ResourceProperty returns property prop of resource id in stackName as
// CloudFormation passes it to the resource: intrinsic functions evaluated
// with the stack's parameters, resources and the exports of other stacks.
// It is "" for an unknown stack, resource or property.
func (f *Fake) ResourceProperty(stackName, id, prop string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.stacks[stackName]
	if st == nil || st.template == nil {
		return ""
	}
	r, ok := st.template.Resources[id]
	if !ok {
		return ""
	}
	return f.eval(st, r.Properties[prop])
}

func (f *Fake) sub(st *fakeStack, arg any) string {
	s, _ := arg.(string)
	vars := map[string]any{}
	if l, ok := arg.([]any); ok && len(l) == 2 {
		s, _ = l[0].(string)
		vars, _ = l[1].(map[string]any)
	}
	return subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return f.eval(st, v)
		}
		if res, attr, ok := strings.Cut(name, "."); ok {
			return f.getAtt(st, res, attr)
		}
		return f.ref(st, name)
	})
}

func (f *Fake) ref(st *fakeStack, name string) string {
	switch name {
	case "AWS::Region":
		return f.Region
	case "AWS::AccountId":
		return f.Account
	case "AWS::StackName":
		return st.name
	case "AWS::StackId":
		return st.id
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::NoValue":
		return ""
	}
	if v, ok := st.params[name]; ok {
		return v
	}
	if r := st.resources[name]; r != nil {
		return aws.ToString(r.PhysicalResourceId)
	}
	return name
}

func (f *Fake) getAtt(st *fakeStack, res, attr string) string {
	phys := f.ref(st, res)
	switch attr {
	case "DNSName":
		return strings.ToLower(trim(st.name+"-"+res, 32)) + "-1234567890." + f.Region + ".elb.amazonaws.com"
	case "Arn", "TargetGroupArn", "LoadBalancerArn", "ServiceArn":
		return phys
	case "Name", "LoadBalancerName", "TargetGroupName":
		if i := strings.LastIndex(phys, "/"); i >= 0 {
			return phys[i+1:]
		}
	}
	return phys + "." + attr
}

func withDefaults(t *stack.Template, params map[string]string) map[string]string {
	out := map[string]string{}
	for _, name := range t.ParamNames() {
		if d := t.Parameters[name].Default; d != nil {
			out[name] = *d
		}
	}
	for k, v := range params {
		out[k] = v
	}
	return out
}

func toTags(m map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func sortedResourceIDs(m map[string]*types.StackResource) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func uuid(n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n*7919) }

func itoa(n int) string { return strconv.Itoa(n) }

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
