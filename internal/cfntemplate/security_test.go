package cfntemplate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// insecure breaks each of the security rules once.
const insecure = `
Parameters:
  AllowedCidrIp: {Type: CommaDelimitedList}
Conditions:
  C: !Equals [a, b]
Resources:
  Igw: {Type: AWS::EC2::InternetGateway}
  PublicRoutes: {Type: AWS::EC2::RouteTable}
  ToInternet:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref PublicRoutes, GatewayId: !Ref Igw, DestinationCidrBlock: 0.0.0.0/0}
  Public: {Type: AWS::EC2::Subnet}
  PublicAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Public, RouteTableId: !Ref PublicRoutes}
  Private: {Type: AWS::EC2::Subnet}
  AlbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !Select [0, !Ref AllowedCidrIp]}
        - !If [C, {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Select [1, !Ref AllowedCidrIp]}, !Ref AWS::NoValue]
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}
  TaskSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 8000, ToPort: 8000, CidrIp: 10.0.0.0/8}
  OtherSg: {Type: AWS::EC2::SecurityGroup}
  EfsSg: {Type: AWS::EC2::SecurityGroup}
  EfsFromTasks:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !Ref EfsSg, IpProtocol: tcp, FromPort: 0, ToPort: 65535, SourceSecurityGroupId: !Ref TaskSg}
  EfsFromOther:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !GetAtt EfsSg.GroupId, IpProtocol: tcp, FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: !Ref OtherSg}
  Mount:
    Type: AWS::EFS::MountTarget
    Properties: {FileSystemId: fs-1, SubnetId: !Ref Private, SecurityGroups: [!Ref EfsSg]}
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {SecurityGroups: [!Ref AlbSg]}
  Svc:
    Type: AWS::ECS::Service
    Properties:
      NetworkConfiguration:
        AwsvpcConfiguration:
          AssignPublicIp: ENABLED
          Subnets: [!Ref Public, !Ref Private, subnet-123]
          SecurityGroups: [!Ref TaskSg]
  Bare:
    Type: AWS::ECS::Service
  Role:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: "s3:*", Resource: "*"}
              - {Effect: Allow, Action: [logs:PutLogEvents], Resource: "*"}
              - {Effect: Deny, Action: "*", Resource: "*"}
              - {Effect: Allow, NotAction: iam:*, Resource: "*"}
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement: {Effect: Allow, Action: "*", Resource: ["*"]}
`

func TestCheckSecurity(t *testing.T) {
	t.Parallel()
	want := []string{
		`t.yaml:35: Resources.EfsFromOther.Properties: EFS security group EfsSg admits SourceSecurityGroupId of OtherSg; admit only the ECS services' security groups (SourceSecurityGroupId)`,
		`t.yaml:32: Resources.EfsFromTasks.Properties: EFS security group EfsSg must admit TCP 2049 only`,
		`t.yaml:21: Resources.AlbSg.Properties.SecurityGroupIngress[1]: load balancer security group AlbSg opens ports other than 80 and 443`,
		`t.yaml:22: Resources.AlbSg.Properties.SecurityGroupIngress[2]: load balancer security group AlbSg admits CidrIp 0.0.0.0/0; take the ranges from the AllowedCidrIp parameter`,
		`t.yaml:27: Resources.TaskSg.Properties.SecurityGroupIngress[0]: security group TaskSg is not a load balancer's but admits CidrIp 10.0.0.0/8; only the load balancer may be reached from outside`,
		`t.yaml:68: Resources.Policy.Properties.PolicyDocument.Statement[0]: allows wildcard actions * on every resource; name the actions and scope the resources`,
		`t.yaml:60: Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0]: allows wildcard actions s3:* on every resource; name the actions and scope the resources`,
		`t.yaml:63: Resources.Role.Properties.Policies[0].PolicyDocument.Statement[3]: an Allow with NotAction or NotResource grants nearly everything; list actions and resources`,
		`t.yaml:55: Resources.Role.Properties.ManagedPolicyArns[0]: role Role gets arn:aws:iam::aws:policy/AdministratorAccess; grant the actions it needs on its own resources`,
	}
	got := errs(mustParse(t, insecure).CheckSecurity())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestCheckRetain: each stateful type (one list, cfn.Stateful) needs
// both policies written down; Retain, RetainExceptOnCreate, Snapshot where
// supported and an explicit Delete pass, a missing or unknown one fails.
func TestCheckRetain(t *testing.T) {
	t.Parallel()
	tmpl := mustParse(t, `
Resources:
  Kept:
    Type: AWS::EFS::FileSystem
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
  HalfKept:
    Type: AWS::ECR::Repository
    DeletionPolicy: RetainExceptOnCreate
  Logs:
    Type: AWS::Logs::LogGroup
  Decided:
    Type: AWS::S3::Bucket
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
  Snap:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    UpdateReplacePolicy: Snapshot
  Odd:
    Type: AWS::EFS::FileSystem
    DeletionPolicy: Snapshot
    UpdateReplacePolicy: Retain
  Stateless:
    Type: AWS::SQS::Queue
`)
	want := []string{
		`t.yaml:6: Resources.HalfKept: AWS::ECR::Repository HalfKept holds data and has no UpdateReplacePolicy, so CloudFormation deletes it when an update replaces it; fix: add UpdateReplacePolicy: Retain, or UpdateReplacePolicy: Delete if losing the data is intended`,
		`t.yaml:9: Resources.Logs: AWS::Logs::LogGroup Logs holds data and has no DeletionPolicy, so CloudFormation deletes it with the stack or when it leaves the template; fix: add DeletionPolicy: Retain (RetainExceptOnCreate also cleans up after a failed first create), or DeletionPolicy: Delete if losing the data is intended`,
		`t.yaml:9: Resources.Logs: AWS::Logs::LogGroup Logs holds data and has no UpdateReplacePolicy, so CloudFormation deletes it when an update replaces it; fix: add UpdateReplacePolicy: Retain, or UpdateReplacePolicy: Delete if losing the data is intended`,
		`t.yaml:21: Resources.Odd.DeletionPolicy: DeletionPolicy "Snapshot" is not a policy CloudFormation knows for AWS::EFS::FileSystem; fix: use one of Retain, RetainExceptOnCreate or Delete`,
	}
	if diff := cmp.Diff(want, errs(tmpl.CheckRetain())); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
