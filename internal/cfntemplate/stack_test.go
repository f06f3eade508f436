package cfntemplate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

func parseAs(t *testing.T, path, src string) *Template {
	t.Helper()
	tmpl, err := Parse(path, []byte(strings.TrimLeft(src, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// baseA is endpoint A's shape: a public and a private subnet, a task
// group admitting 8000 from the load balancer, an EFS group admitting the
// task group on 2049, and its outputs both exported and by name.
const baseA = `
Parameters:
  ApiPort: {Type: Number, Default: 8000}
Resources:
  Igw: {Type: AWS::EC2::InternetGateway}
  PublicRoutes: {Type: AWS::EC2::RouteTable}
  ToInternet:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref PublicRoutes, GatewayId: !Ref Igw}
  Public: {Type: AWS::EC2::Subnet}
  PublicAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Public, RouteTableId: !Ref PublicRoutes}
  Private: {Type: AWS::EC2::Subnet}
  AlbSg: {Type: AWS::EC2::SecurityGroup}
  TaskSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: !Ref ApiPort, ToPort: !Ref ApiPort, SourceSecurityGroupId: !Ref AlbSg}
  EfsSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: !Ref TaskSg}
  Fs: {Type: AWS::EFS::FileSystem}
  Mount:
    Type: AWS::EFS::MountTarget
    Properties: {FileSystemId: !Ref Fs, SubnetId: !Ref Private, SecurityGroups: [!Ref EfsSg]}
  Role: {Type: AWS::IAM::Role}
Outputs:
  App1: {Value: !Ref Private, Export: {Name: base-App1}}
  Edge1: {Value: !Ref Public, Export: {Name: base-Edge1}}
  Subnets: {Value: !Join [",", [!Ref Private]]}
  TaskGroup: {Value: !GetAtt TaskSg.GroupId, Export: {Name: base-TaskGroup}}
  EfsGroup: {Value: !Ref EfsSg, Export: {Name: base-EfsGroup}}
  FileSystem: {Value: !Ref Fs, Export: {Name: base-FileSystem}}
  RoleName: {Value: !Ref Role, Export: {Name: base-RoleName}}
  RoleArn: {Value: !GetAtt Role.Arn, Export: {Name: base-RoleArn}}
`

// joiner is endpoint B with the parts each case replaces marked.
const joiner = `
Parameters:
  Subnets: {Type: String, Default: ""}
  TaskGroup: {Type: String, Default: ""}
Resources:
  OwnSg: {Type: AWS::EC2::SecurityGroup}
  EXTRA
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ExecutionRoleArn: ROLE
      Volumes:
        - Name: w
          EFSVolumeConfiguration: {FilesystemId: !ImportValue base-FileSystem}
  Svc:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref Td
      LoadBalancers: [{ContainerPort: PORT}]
      NetworkConfiguration:
        AwsvpcConfiguration:
          AssignPublicIp: DISABLED
          Subnets: SUBNETS
          SecurityGroups: [GROUP]
`

func joinerWith(parts map[string]string) string {
	src := joiner
	defaults := map[string]string{"EXTRA": "", "ROLE": "!ImportValue base-RoleArn", "PORT": "8000",
		"SUBNETS": "[!ImportValue base-App1]", "GROUP": "!ImportValue base-TaskGroup"}
	for k, v := range defaults {
		if p, ok := parts[k]; ok {
			v = p
		}
		src = strings.ReplaceAll(src, k, v)
	}
	return src
}

// TestStackChecks: each cross-stack check once failing, once passing.
func TestStackChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parts map[string]string
		want  []string
	}{
		{name: "B in A's task group, imports resolved: nothing to report"},
		{name: "B from A's outputs by parameter name", parts: map[string]string{"SUBNETS": "!Split [\",\", !Ref Subnets]", "GROUP": "!Ref TaskGroup"}},
		{
			name:  "B's own group is not admitted to A's EFS",
			parts: map[string]string{"GROUP": "!Ref OwnSg"},
			want: []string{`b.yaml:23: Resources.Svc.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups: service Svc mounts EFS file system Fs (a.yaml), but the mount targets' security group EfsSg admits none of its security groups [OwnSg (b.yaml)] on TCP 2049; its tasks would stop with ResourceInitializationError (failed to invoke EFS utils commands to set up EFS volumes); fix: run the service in a security group EfsSg admits (the tasks' group of a.yaml), or add an AWS::EC2::SecurityGroupIngress with GroupId EfsSg, SourceSecurityGroupId of the service's group, IpProtocol tcp, FromPort and ToPort 2049`,
				`b.yaml:18: Resources.Svc.Properties.LoadBalancers[0].ContainerPort: service Svc's container port 8000 is not admitted by its security group OwnSg (b.yaml); the load balancer's health checks would time out (Target.Timeout); fix: use the port OwnSg admits (no TCP port), or admit TCP 8000 from the load balancer's security group`},
		},
		{
			name: "B's own group, admitted by its own ingress rules",
			parts: map[string]string{"GROUP": "!Ref OwnSg", "EXTRA": `ToEfs:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !ImportValue base-EfsGroup, IpProtocol: tcp, FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: !Ref OwnSg}
  FromLb:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !Ref OwnSg, IpProtocol: tcp, FromPort: 8000, ToPort: 8000, SourceSecurityGroupId: sg-0123}`},
		},
		{
			name:  "B's port is not the one A's task group admits",
			parts: map[string]string{"PORT": "8080"},
			want:  []string{`b.yaml:18: Resources.Svc.Properties.LoadBalancers[0].ContainerPort: service Svc's container port 8080 is not admitted by its security group TaskSg (a.yaml); the load balancer's health checks would time out (Target.Timeout); fix: use the port TaskSg admits (TCP 8000), or admit TCP 8080 from the load balancer's security group`},
		},
		{
			name:  "an export not named like a private subnet that is one passes; a public one fails",
			parts: map[string]string{"SUBNETS": "[!ImportValue base-App1, !ImportValue base-Edge1, subnet-0abc]"},
			want: []string{`b.yaml:22: Resources.Svc.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets: service Svc runs in Public (a.yaml), a subnet routed to an internet gateway or mapping public IPs; fix: use the private subnets (routed through a NAT gateway)`,
				`b.yaml:22: Resources.Svc.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets: service Svc: cannot tell that subnet "subnet-0abc" is private; fix: take the subnets from the template that creates them (Ref, an import or the base's output), so they can be checked`},
		},
		{
			name:  "a role's name exported and imported where an ARN goes",
			parts: map[string]string{"ROLE": "!ImportValue base-RoleName"},
			want:  []string{`b.yaml:10: Resources.Td.Properties.ExecutionRoleArn: ExecutionRoleArn takes an ARN, but the value is Ref of role Role (a.yaml), which is the role's name; AWS::ECS::TaskDefinition would fail with an invalid ARN; fix: make the output of a.yaml that carries the role give !GetAtt Role.Arn`},
		},
		{
			name:  "an import the base does not export",
			parts: map[string]string{"ROLE": "!ImportValue base-RoleAm"},
			want:  []string{`b.yaml:10: Resources.Td.Properties.ExecutionRoleArn.Fn::ImportValue: imports "base-RoleAm", which stack base (a.yaml) does not export; CloudFormation would refuse the change set (No export named base-RoleAm found); fix: the nearest export is "base-RoleArn"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := &Stack{T: parseAs(t, "a.yaml", baseA), Name: "base", Values: map[string]string{}}
			b := &Stack{T: parseAs(t, "b.yaml", joinerWith(tc.parts)), Name: "b", Values: map[string]string{}, Base: a, FromBase: true}
			var got []string
			for _, fs := range [][]*Finding{b.CheckImports(), b.CheckServices(), b.CheckRoleArns()} {
				got = append(got, errs(fs)...)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTemplateRules: the single-template rules, failing then passing.
func TestTemplateRules(t *testing.T) {
	t.Parallel()
	tmpl := parseAs(t, "t.yaml", `
Parameters:
  Policy: {Type: String, Default: ELBSecurityPolicy-TLS-1-1-2017-01}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: [ecr:BatchGetIamge, ecr:BatchGetImage, "logs:Put*"], Resource: "*"}
  Fs:
    Type: AWS::EFS::FileSystem
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      FileSystemPolicy:
        Statement: {Effect: Allow, Action: elasticfilesystem:ClientMonut, Principal: {AWS: "*"}}
  TdBad:
    Type: AWS::ECS::TaskDefinition
    Properties: {ExecutionRoleArn: !Ref Role, TaskRoleArn: !Ref Role}
  TdGood:
    Type: AWS::ECS::TaskDefinition
    Properties: {ExecutionRoleArn: !GetAtt Role.Arn}
  NoPolicy:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: {Protocol: HTTPS}
  OldPolicy:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: {Protocol: HTTPS, SslPolicy: !Ref Policy}
  Modern:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: {Protocol: HTTPS, SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06}
  Plain:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: {Protocol: HTTP}
`)
	s := &Stack{T: tmpl, Name: "s"}
	var got []string
	for _, fs := range [][]*Finding{tmpl.CheckActions(), s.CheckRoleArns(), s.CheckListenerTLS()} {
		got = append(got, errs(fs)...)
	}
	want := []string{
		`t.yaml:18: Resources.Fs.Properties.FileSystemPolicy.Statement.Action: "elasticfilesystem:ClientMonut" is not an action of elasticfilesystem; did you mean elasticfilesystem:clientmount? (IAM ignores case); fix: write the action as the Service Authorization Reference names it`,
		`t.yaml:11: Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0].Action[0]: "ecr:BatchGetIamge" is not an action of ecr; did you mean ecr:batchgetimage? (IAM ignores case); fix: write the action as the Service Authorization Reference names it`,
		`t.yaml:21: Resources.TdBad.Properties.ExecutionRoleArn: ExecutionRoleArn takes an ARN, but the value is Ref of role Role (t.yaml), which is the role's name; AWS::ECS::TaskDefinition would fail with an invalid ARN; fix: use !GetAtt Role.Arn`,
		`t.yaml:27: Resources.NoPolicy.Properties: HTTPS listener NoPolicy sets no SslPolicy, so it takes the load balancer's default, which accepts TLS 1.0 and 1.1; fix: set SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06`,
		`t.yaml:30: Resources.OldPolicy.Properties.SslPolicy: HTTPS listener OldPolicy uses ELBSecurityPolicy-TLS-1-1-2017-01, which accepts TLS below 1.2; fix: set SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestChecksNeverPanic feeds the checks malformed shapes a real template
// can have halfway through an edit; each must report or pass, not panic.
func TestChecksNeverPanic(t *testing.T) {
	t.Parallel()
	tmpl := parseAs(t, "t.yaml", `
Parameters:
  P: {Type: String}
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      SecurityGroupIngress: [!If [], !If [C], 5, {FromPort: x}]
  In:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: [1], SourceSecurityGroupId: {}}
  Mount:
    Type: AWS::EFS::MountTarget
    Properties: {FileSystemId: !Ref Fs, SecurityGroups: !Ref P}
  Fs: {Type: AWS::EFS::FileSystem, DeletionPolicy: [x]}
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties: {Volumes: [x, {EFSVolumeConfiguration: 3}, {EFSVolumeConfiguration: {FilesystemId: !Ref Fs}}], ExecutionRoleArn: !GetAtt []}
  Svc:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref Td
      LoadBalancers: [1, {ContainerPort: !Ref P}, {ContainerPort: 80}]
      NetworkConfiguration: {AwsvpcConfiguration: {Subnets: !Split [","], SecurityGroups: [!Ref Sg, !ImportValue x]}}
  Odd:
    Type: AWS::ECS::Service
    Properties: {NetworkConfiguration: {AwsvpcConfiguration: {Subnets: 5, SecurityGroups: {}}}}
  Role:
    Type: AWS::IAM::Role
    Properties: {Policies: [1, {PolicyDocument: {Statement: [1, {Action: 5}, {Action: [1, "x"]}]}}]}
  L:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: {Protocol: [HTTPS], SslPolicy: {}}
Outputs:
  O: {Value: !ImportValue [], Export: {Name: !Sub [x]}}
`)
	base := &Stack{T: tmpl, Name: "a"}
	s := &Stack{T: tmpl, Name: "s", Base: base, FromBase: true}
	_ = tmpl.CheckResources()
	_ = tmpl.CheckReferences()
	_ = tmpl.CheckSecurity()
	_ = tmpl.CheckRetain()
	_ = tmpl.CheckActions()
	_ = tmpl.CheckParameters(&cfn.ParamFile{Path: "p.json", Values: map[string]string{"P": "x"}}, nil)
	_ = s.CheckImports()
	_ = s.CheckServices()
	_ = s.CheckRoleArns()
	_ = s.CheckListenerTLS()
}
