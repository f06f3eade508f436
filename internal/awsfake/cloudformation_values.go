package awsfake

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// evalOutputs derives the stack's outputs from the template's Outputs:
// StackOutputValues, then OutputValues, else the expression evaluated with fake values.
func (f *CloudFormation) evalOutputs(st *fakeStack) []types.Output {
	if st.template == nil {
		return nil
	}
	keys := make([]string, 0, len(st.template.Outputs))
	for k, o := range st.template.Outputs {
		if o.Condition == "" || f.holds(st, o.Condition) {
			keys = append(keys, k)
		}
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

// eval evaluates the intrinsic functions outputs commonly use.
func (f *CloudFormation) eval(st *fakeStack, v any) string {
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
	return cfn.ScalarString(v)
}

func (f *CloudFormation) evalFn(st *fakeStack, m map[string]any) string {
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

// importValue resolves an export among the live stacks; the execution of
// a template importing one that does not exist fails before it is asked.
func (f *CloudFormation) importValue(name string) string {
	v, _, _ := f.export(name)
	return v
}

// ResourceProperty returns property prop of resource id in stackName as
// CloudFormation passes it to the resource: intrinsic functions evaluated
// with the stack's parameters, resources and the exports of other stacks.
// It is "" for an unknown stack, resource or property.
func (f *CloudFormation) ResourceProperty(stackName, id, prop string) string {
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

// ResourceValue is ResourceProperty for a property that is a list or a map
// (a listener rule's Conditions, say): its intrinsic functions evaluated,
// its structure kept, every scalar a string.
func (f *CloudFormation) ResourceValue(stackName, id, prop string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.stacks[stackName]
	if st == nil || st.template == nil {
		return nil
	}
	r, ok := st.template.Resources[id]
	if !ok {
		return nil
	}
	return f.evalTree(st, r.Properties[prop])
}

func (f *CloudFormation) evalTree(st *fakeStack, v any) any {
	if _, _, ok := cfn.Intrinsic(v); ok {
		return f.eval(st, v)
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = f.evalTree(st, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = f.evalTree(st, e)
		}
		return out
	case nil:
		return nil
	}
	return cfn.ScalarString(v)
}

func (f *CloudFormation) sub(st *fakeStack, arg any) string {
	s, vars, _ := cfn.SubArgs(arg)
	out, _ := cfn.Substitute(s, func(name string) (string, bool) {
		if v, ok := vars[name]; ok {
			return f.eval(st, v), true
		}
		if res, attr, ok := strings.Cut(name, "."); ok {
			return f.getAtt(st, res, attr), true
		}
		return f.ref(st, name), true
	})
	return out
}

func (f *CloudFormation) ref(st *fakeStack, name string) string {
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

// getAtt returns what Fn::GetAtt returns for the resource's type and the
// attribute, shaped like the real value; an attribute not modelled here gets
// a stand-in derived from the physical id.
func (f *CloudFormation) getAtt(st *fakeStack, res, attr string) string {
	phys := f.ref(st, res)
	typ := ""
	var props map[string]any
	if st.template != nil {
		typ, props = st.template.Resources[res].Type, st.template.Resources[res].Properties
	}
	last := func() string { return phys[strings.LastIndex(phys, "/")+1:] }
	switch attr {
	case "DNSName":
		return strings.ToLower(trim(st.name+"-"+res, 32)) + "-1234567890." + f.Region + ".elb.amazonaws.com"
	case "CanonicalHostedZoneID":
		return "Z32O12XQLNTSW2"
	case "LoadBalancerFullName", "TargetGroupFullName":
		if i := strings.Index(phys, ":loadbalancer/"); i >= 0 {
			return phys[i+len(":loadbalancer/"):]
		}
		if i := strings.Index(phys, ":targetgroup/"); i >= 0 {
			return phys[i+1:]
		}
	case "Name", "LoadBalancerName", "TargetGroupName":
		if strings.HasPrefix(phys, "arn:") {
			if typ == "AWS::ElasticLoadBalancingV2::LoadBalancer" || typ == "AWS::ElasticLoadBalancingV2::TargetGroup" {
				parts := strings.Split(phys, "/")
				return parts[len(parts)-2]
			}
			return last()
		}
		return phys
	case "RepositoryUri":
		return f.Account + ".dkr.ecr." + f.Region + ".amazonaws.com/" + phys
	case "RoleId":
		return "AROA" + strings.ToUpper(fmt.Sprintf("%016x", len(phys)*2654435761))
	case "AllocationId":
		return "eipalloc-" + fmt.Sprintf("%017x", len(phys)*2654435761)
	case "PublicIp":
		return phys
	case "VpcId", "CidrBlock":
		if v := f.eval(st, props[attr]); v != "" {
			return v
		}
	case "DomainName":
		return phys + ".s3.amazonaws.com"
	case "RegionalDomainName":
		return phys + ".s3." + f.Region + ".amazonaws.com"
	case "Arn":
		return f.arnOf(typ, phys)
	}
	if strings.HasSuffix(attr, "Arn") && strings.HasPrefix(phys, "arn:") {
		return phys
	}
	if strings.HasSuffix(attr, "Id") && (typ == "AWS::EC2::SecurityGroup" || strings.HasPrefix(typ, "AWS::EFS::")) {
		return phys
	}
	return phys + "." + attr
}

func withDefaults(t *cfn.Template, params map[string]string) map[string]string {
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
