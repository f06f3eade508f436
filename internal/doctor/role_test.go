package doctor_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	doc, err := iampolicy.Parse([]byte(`{"Statement":[{"Effect":"Allow","Action":["elasticfilesystem:Describe*","ec2:DescribeSecurityGroups"],"Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	role := f.Account.As(&iampolicy.Gate{Principal: "arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1", Policies: []iampolicy.Document{doc}})
	d := &doctor.Doctor{Clients: doctor.Clients{CloudFormation: f, EFS: role.EFS, EC2: role.EC2, ELB: f, ECS: f, ECR: f}, HTTP: srv.Client()}
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
