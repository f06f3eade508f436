package cfntemplate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

func mustParse(t *testing.T, src string) *Template {
	t.Helper()
	tmpl, err := Parse("t.yaml", []byte(strings.TrimLeft(src, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func errs(fs []*fault.Problem) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Error())
	}
	return out
}

func TestParseShortForms(t *testing.T) {
	t.Parallel()
	tmpl := mustParse(t, `
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-q"
      Tags:
        - {Key: a, Value: !GetAtt Other.Arn}
        - {Key: b, Value: !If [C, !Ref AWS::NoValue, !Join ["", [!Select [0, !GetAZs ""]]]]}
`)
	want := map[string]any{
		"QueueName": map[string]any{"Fn::Sub": "${AWS::StackName}-q"},
		"Tags": []any{
			map[string]any{"Key": "a", "Value": map[string]any{"Fn::GetAtt": []any{"Other", "Arn"}}},
			map[string]any{"Key": "b", "Value": map[string]any{"Fn::If": []any{"C",
				map[string]any{"Ref": "AWS::NoValue"},
				map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::Select": []any{int64(0), map[string]any{"Fn::GetAZs": ""}}}}}},
			}}},
		},
	}
	got := tmpl.resource("Q")["Properties"]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("long form (-want +got):\n%s", diff)
	}
	if l := tmpl.Line("Resources.Q.Properties.Tags[1].Value"); l != 8 {
		t.Errorf("line of Tags[1].Value = %d, want 8", l)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"unknown tag", "Resources:\n  Q:\n    Type: !Reff X\n", "unknown tag !Reff"},
		{"alias", "Resources:\n  Q: &a\n    Type: X\n  R: *a\n", "anchors and aliases are not supported"},
		{"duplicate key", "Resources:\n  Q:\n    Type: X\n  Q:\n    Type: Y\n", `key "Q" appears twice`},
		{"bad GetAtt", "Resources:\n  Q:\n    Type: !GetAtt X\n", `!GetAtt "X" must be Resource.Attribute`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("t.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestCheckResources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string
	}{
		{
			name: "misspelled top-level property",
			src: `
Resources:
  Svc:
    Type: AWS::ECS::Service
    Properties:
      DesiredCont: 1
`,
			want: []string{`t.yaml:5: Resources.Svc.Properties.DesiredCont: property "DesiredCont" is not known to AWS::ECS::Service in the resource specification; check its spelling and nesting`},
		},
		{
			name: "misspelled nested property",
			src: `
Resources:
  Svc:
    Type: AWS::ECS::Service
    Properties:
      DeploymentConfiguration:
        DeploymentCircuitBreaker: {Enabled: true, Rollback: true}
`,
			want: []string{
				`t.yaml:6: Resources.Svc.Properties.DeploymentConfiguration.DeploymentCircuitBreaker.Enabled: property "Enabled" is not known to AWS::ECS::Service in the resource specification; check its spelling and nesting`,
				`t.yaml:6: Resources.Svc.Properties.DeploymentConfiguration.DeploymentCircuitBreaker: required property "Enable" of AWS::ECS::Service is missing`,
			},
		},
		{
			name: "unknown property inside the false side of Fn::If",
			src: `
Conditions:
  C: !Equals [a, b]
Resources:
  Svc:
    Type: AWS::ECS::Service
    Properties:
      DesiredCount: !If [C, 1, {Count: 2}]
      LaunchType: !If [C, FARGATE, !Ref AWS::NoValue]
`,
			want: []string{`t.yaml:6: Resources.Svc.Properties: properties do not match AWS::ECS::Service in the resource specification: json: cannot unmarshal object into Go struct field Properties.Properties.DesiredCount of type int`},
		},
		{
			name: "a list whose entries all vanish with AWS::NoValue is not a dropped property",
			src: `
Conditions:
  C: !Equals [a, b]
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: d
      SecurityGroupIngress:
        - !If [C, {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}, !Ref AWS::NoValue]
`,
		},
		{
			name: "required properties and unknown type",
			src: `
Resources:
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: !Ref AWS::StackName
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      Priority: 3
  Odd:
    Type: AWS::ECS::Servise
  Res:
    Type: Custom::Anything
    Propertiez: {}
`,
			want: []string{
				`t.yaml:12: Resources.Odd.Type: unknown resource type "AWS::ECS::Servise"`,
				`t.yaml:15: Resources.Res.Propertiez: unknown resource attribute "Propertiez"`,
				`t.yaml:9: Resources.Rule.Properties: required property "Actions" of AWS::ElasticLoadBalancingV2::ListenerRule is missing`,
				`t.yaml:9: Resources.Rule.Properties: required property "Conditions" of AWS::ElasticLoadBalancingV2::ListenerRule is missing`,
				`t.yaml:6: Resources.Td.Properties.ContainerDefinitions[0]: required property "Image" of AWS::ECS::TaskDefinition is missing`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := errs(mustParse(t, tc.src).CheckResources())
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckReferences(t *testing.T) {
	t.Parallel()
	tmpl := mustParse(t, `
Parameters:
  Used: {Type: String}
  Unused: {Type: String}
Conditions:
  C: !Equals [!Ref Used, !Ref Queue]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Condition: Missing
    DependsOn: [Ghost]
    Properties:
      QueueName: !Sub ["${Used}-${Nope}-${Queue.Arn}-${!Literal}-${Local}", {Local: x}]
      DelaySeconds: !If [NoSuch, 1, 2]
      Tags:
        - {Key: k, Value: !GetAtt Phantom.Arn}
        - {Key: k, Value: !Ref AWS::Regio}
Outputs:
  O:
    Condition: Nah
    Value: !Ref Queue
`)
	want := []string{
		`t.yaml:5: Conditions.C.Fn::Equals[1].Ref: Ref "Queue" names no parameter (resources cannot be referenced here) or pseudo parameter`,
		`t.yaml:13: Resources.Queue.Properties.DelaySeconds.Fn::If: condition "NoSuch" is not defined in Conditions`,
		`t.yaml:12: Resources.Queue.Properties.QueueName.Fn::Sub: Fn::Sub variable ${Nope} names no parameter, resource or pseudo parameter`,
		`t.yaml:15: Resources.Queue.Properties.Tags[0].Value.Fn::GetAtt: Fn::GetAtt "Phantom" names no resource`,
		`t.yaml:16: Resources.Queue.Properties.Tags[1].Value.Ref: Ref "AWS::Regio" names no parameter, resource or pseudo parameter`,
		`t.yaml:10: Resources.Queue.DependsOn: DependsOn "Ghost" names no resource`,
		`t.yaml:9: Resources.Queue.Condition: condition "Missing" is not defined in Conditions`,
		`t.yaml:19: Outputs.O.Condition: condition "Nah" is not defined in Conditions`,
		`t.yaml:3: Parameters.Unused: parameter "Unused" is never used; fix: remove it or use it`,
	}
	if diff := cmp.Diff(want, errs(tmpl.CheckReferences())); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestCheckGetAttAttributes: an attribute the resource's type does not have
// is refused offline, with the nearest real one, in Fn::GetAtt and in Fn::Sub;
// types the table does not list are not second-guessed.
func TestCheckGetAttAttributes(t *testing.T) {
	t.Parallel()
	tmpl := mustParse(t, `
Resources:
  LB:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
  Role:
    Type: AWS::IAM::Role
  Thing:
    Type: Custom::Thing
Outputs:
  Dns:
    Value: !GetAtt LB.DnsName
  Zone:
    Value: !GetAtt LB.CanonicalHostedZoneID
  Url:
    Value: !Sub "http://${LB.DNSName}/${Role.Name}"
  Custom:
    Value: !GetAtt Thing.Anything
`)
	lb, _ := cfn.Attributes("AWS::ElasticLoadBalancingV2::LoadBalancer")
	role, _ := cfn.Attributes("AWS::IAM::Role")
	want := []string{
		`t.yaml:10: Outputs.Dns.Value.Fn::GetAtt: LB (AWS::ElasticLoadBalancingV2::LoadBalancer) has no attribute "DnsName" for Fn::GetAtt; did you mean DNSName? (attributes: ` + strings.Join(lb, ", ") + ")",
		`t.yaml:14: Outputs.Url.Value.Fn::Sub: Role (AWS::IAM::Role) has no attribute "Name" for Fn::GetAtt (attributes: ` + strings.Join(role, ", ") + ")",
	}
	if diff := cmp.Diff(want, errs(tmpl.CheckReferences())); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestCheckImports(t *testing.T) {
	t.Parallel()
	base := mustParse(t, `
Parameters:
  P: {Type: String, Default: x}
Resources:
  Q: {Type: AWS::SQS::Queue}
Outputs:
  A: {Value: !Ref Q, Export: {Name: !Sub "${AWS::StackName}-A"}}
  B: {Value: !Ref Q, Export: {Name: !Sub "${AWS::StackName}-${P}-B"}}
  C: {Value: !Ref Q}
`)
	exports, err := base.Exports("base", map[string]string{"P": "y"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"base-A": true, "base-y-B": true}, exports); diff != "" {
		t.Errorf("exports (-want +got):\n%s", diff)
	}
	user := mustParse(t, `
Parameters:
  Base: {Type: String, Default: base}
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !ImportValue {"Fn::Sub": "${Base}-A"}
      RedrivePolicy: {deadLetterTargetArn: !ImportValue {"Fn::Sub": "${Base}-C"}}
      Tags: [{Key: k, Value: !ImportValue {"Fn::GetAtt": [X, Y]}}]
`)
	want := []string{
		`t.yaml:8: Resources.Q.Properties.RedrivePolicy.deadLetterTargetArn.Fn::ImportValue: imports "base-C", which the base stack does not export`,
		`t.yaml:9: Resources.Q.Properties.Tags[0].Value.Fn::ImportValue: cannot evaluate the import name: Fn::GetAtt is not evaluated offline`,
	}
	if diff := cmp.Diff(want, errs(user.CheckImports("user", nil, exports))); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestCheckParameters: the file's keys against the template's
// parameters, values against constraints, placeholders, empty and missing
// required values; what passes next to what fails.
func TestCheckParameters(t *testing.T) {
	t.Parallel()
	tmpl := mustParse(t, `
Parameters:
  Name: {Type: String, AllowedPattern: "[a-z]+", ConstraintDescription: lowercase letters}
  Port: {Type: Number, Default: 8000, MinValue: 1, MaxValue: 65535}
  Env: {Type: String, AllowedValues: [stg, prod], Default: dev}
  Cidrs: {Type: CommaDelimitedList, AllowedPattern: '\d+\.\d+\.\d+\.\d+/\d+'}
  Image: {Type: String}
  Cert: {Type: String, AllowedPattern: "^arn:aws:acm:.+$"}
  Host: {Type: String}
  Zone: {Type: String}
  Optional: {Type: String, Default: ""}
  Required: {Type: String}
  Memory: {Type: String, Default: 2GB}
  Token: {Type: String, NoEcho: true, MinLength: 8}
Resources:
  Q: {Type: AWS::SQS::Queue}
`)
	dir := t.TempDir()
	file := filepath.Join(dir, "p.json")
	data := `[{"ParameterKey":"Name","ParameterValue":"Bad1"},
{"ParameterKey":"Port","ParameterValue":"70000"},
{"ParameterKey":"Cidrs","ParameterValue":"10.0.0.0/8, nope"},
{"ParameterKey":"Image","ParameterValue":"x"},
{"ParameterKey":"Typo","ParameterValue":"1"},
{"ParameterKey":"Cert","ParameterValue":"Get from ACM"},
{"ParameterKey":"Host","ParameterValue":"CHANGE_ME"},
{"ParameterKey":"Zone","ParameterValue":""},
{"ParameterKey":"Optional","ParameterValue":""},
{"ParameterKey":"Memory","ParameterValue":"2GB"},
{"ParameterKey":"Token","ParameterValue":"hunter2"}]`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	pf, err := cfn.ReadParamFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		file + `:6: Cert: value "Get from ACM" is a placeholder, not a value; fix: put the real value in ` + file + ` (it must match ^arn:aws:acm:.+$)`,
		file + `:3: Cidrs: value "10.0.0.0/8, nope" does not match the AllowedPattern \d+\.\d+\.\d+\.\d+/\d+`,
		file + `:7: Host: value "CHANGE_ME" is a placeholder, not a value; fix: put the real value in ` + file,
		file + `:4: Image: is set by mlops on every deploy (see .github/mlops.yml), so this value is never used; fix: remove it from ` + file,
		file + `:1: Name: value "Bad1" does not match the AllowedPattern [a-z]+ (lowercase letters)`,
		file + `:2: Port: value "70000" is greater than MaxValue 65535`,
		file + `:11: Token: value (NoEcho value) is shorter than MinLength 8`,
		file + `:5: Typo: not a parameter of t.yaml; remove it from ` + file + ` or add the parameter to the template`,
		file + `:8: Zone: is empty, and the parameter has no Default, so it is required; fix: set a value in ` + file + ` or give the parameter a Default`,
		`t.yaml:4: Parameters.Env.Default: value "dev" is not one of the AllowedValues: stg, prod`,
		`t.yaml:11: Parameters.Required: parameter Required has no value: it has no Default, ` + file + ` does not set it and mlops does not fill it; fix: add Required to ` + file + ` (or pass --param Required=VALUE to mlops deploy and plan), or give it a Default`,
		file + `: Missing: mlops fills "Missing" but t.yaml has no such parameter; fix .github/mlops.yml or the template`,
	}
	got := errs(tmpl.CheckParameters(pf, []string{"Image", "Missing"}))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
