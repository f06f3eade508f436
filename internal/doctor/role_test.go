package doctor_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor/doctortest"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// TestRoleWithoutNetworkInterfaceRead runs doctor as a role that may list
// mount targets but lacks ec2:DescribeNetworkInterfaceAttribute, which
// EFS also requires to describe a mount target's security groups: the EFS
// check reports the denial and names the permission, the other checks
// still run.
func TestRoleWithoutNetworkInterfaceRead(t *testing.T) {
	t.Parallel()
	srv := endpoint(t, http.StatusOK)
	f := doctortest.Healthy(srv.Listener.Addr().String())
	gate, err := iampolicy.NewGate("arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1",
		`{"Statement":[{"Effect":"Allow","Action":["elasticfilesystem:Describe*","ec2:DescribeSecurityGroups"],"Resource":"*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	role := f.Account.As(gate)
	clients := f.Clients()
	clients.EFS, clients.EC2 = role.EFS, role.EC2
	d := &doctor.Doctor{Clients: clients, HTTP: srv.Client()}
	r := examineWith(t, d)
	var got []doctor.Finding
	for _, fd := range r.Findings {
		if fd.Status != doctor.StatusOK {
			got = append(got, fd)
		}
	}
	want := []doctor.Finding{{Check: "efs-access", Status: doctor.StatusError, Resource: "fsmt-1 (fs-w, subnet-1)",
		Message: "describe mount target security groups: api error AccessDeniedException: User is not authorized to perform that action on the specified resource",
		Fix:     "check that the role may call elasticfilesystem:DescribeMountTargetSecurityGroups and ec2:DescribeNetworkInterfaceAttribute (EFS needs both to answer)"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings that are not ok (-want +got):\n%s", diff)
	}
}

// The account's fakes, plain and as a role, answer every call doctor makes.
var (
	_ doctor.EFSAPI = (*awsfake.EFS)(nil)
	_ doctor.EFSAPI = (*awsfake.GatedEFS)(nil)
	_ doctor.EC2API = (*awsfake.EC2)(nil)
	_ doctor.EC2API = (*awsfake.GatedEC2)(nil)
	_ doctor.ECSAPI = (*awsfake.ECS)(nil)
	_ doctor.ECSAPI = (*awsfake.GatedECS)(nil)
	_ doctor.ELBAPI = (*awsfake.ELB)(nil)
	_ doctor.ELBAPI = (*awsfake.GatedELB)(nil)
	_ doctor.ECRAPI = (*awsfake.ECR)(nil)
	_ doctor.ECRAPI = (*awsfake.GatedECR)(nil)
)

// TestRoleWithoutImageAndHealthRead runs doctor entirely as a role that
// may read everything but ECR images and target health: those two checks
// report the services' own denials (ECR's AccessDeniedException, ELBv2's
// AccessDenied naming no resource) and say which permission is missing;
// the others pass.
func TestRoleWithoutImageAndHealthRead(t *testing.T) {
	t.Parallel()
	srv := endpoint(t, http.StatusOK)
	f := doctortest.Healthy(srv.Listener.Addr().String())
	const principal = "arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1"
	gate, err := iampolicy.NewGate(principal, `{"Statement":[
	 {"Effect":"Allow","Action":["cloudformation:DescribeStacks","elasticfilesystem:Describe*","ec2:Describe*","ecs:Describe*","elasticloadbalancing:Describe*"],"Resource":"*"},
	 {"Effect":"Deny","Action":"elasticloadbalancing:DescribeTargetHealth","Resource":"*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	role := f.Account.As(gate)
	d := &doctor.Doctor{Clients: doctor.Clients{CloudFormation: role.CloudFormation, EFS: role.EFS, EC2: role.EC2, ECS: role.ECS, ELB: role.ELB, ECR: role.ECR}, HTTP: srv.Client()}
	r := examineWith(t, d)
	var got []doctor.Finding
	for _, fd := range r.Findings {
		if fd.Status != doctor.StatusOK {
			got = append(got, fd)
		}
	}
	want := []doctor.Finding{
		{Check: "image", Status: doctor.StatusError, Resource: image,
			Message: "describe image: api error AccessDeniedException: User: " + principal + " is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:eu-west-1:123456789012:repository/ecs-mlops/endpoint because no identity-based policy allows the ecr:DescribeImages action",
			Fix:     "check that the role may call ecr:DescribeImages"},
		{Check: "target-health", Status: doctor.StatusError, Resource: tgArn,
			Message: "describe target health: api error AccessDenied: User: " + principal + " is not authorized to perform: elasticloadbalancing:DescribeTargetHealth with an explicit deny in an identity-based policy",
			Fix:     "check that the role may call elasticloadbalancing:DescribeTargetHealth"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings that are not ok (-want +got):\n%s", diff)
	}
}
