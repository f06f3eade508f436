package doctor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor/doctortest"
)

const (
	image    = doctortest.Image
	listener = doctortest.Listener
	tgArn    = doctortest.TGArn
	host     = doctortest.Host
)

// endpoint answers 200 on /ping for the right Host only, as the load
// balancer's host rule does.
func endpoint(t *testing.T, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Host != host:
			http.Error(w, "no endpoint for this host", http.StatusNotFound)
		case r.URL.Path != "/ping":
			http.NotFound(w, r)
		default:
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func examine(t *testing.T, f *doctortest.Fake, srv *httptest.Server) *doctor.Report {
	t.Helper()
	return examineWith(t, &doctor.Doctor{Clients: f.Clients(), HTTP: srv.Client()})
}

func examineWith(t *testing.T, d *doctor.Doctor) *doctor.Report {
	t.Helper()
	r, err := d.Examine(context.Background(), doctor.Target{Environment: "ep-a", Stack: "ecs-mlops-ep-a", URLOutput: "EndpointUrl"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHealthyEnvironment(t *testing.T) {
	t.Parallel()
	srv := endpoint(t, http.StatusOK)
	r := examine(t, doctortest.Healthy(srv.Listener.Addr().String()), srv)
	want := []doctor.Finding{
		{Check: "service", Status: doctor.StatusOK, Resource: "svc-a", Message: "2 of 2 tasks running"},
		{Check: "efs-access", Status: doctor.StatusOK, Resource: "fsmt-1 (fs-w, subnet-1)", Message: "security groups sg-efs admit the service's groups on TCP 2049"},
		{Check: "image", Status: doctor.StatusOK, Resource: image, Message: "the image exists in ECR"},
		{Check: "listener-rules", Status: doctor.StatusOK, Resource: doctortest.OwnRule, Message: "priority 1, host api.example.com, no other rule takes its traffic"},
		{Check: "target-health", Status: doctor.StatusOK, Resource: "10.0.2.10:8000", Message: "healthy"},
		{Check: "health-path", Status: doctor.StatusOK, Resource: "https://api.example.com/ping", Message: "answered 200 through the load balancer"},
	}
	if diff := cmp.Diff(want, r.Findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if r.Errors() != 0 {
		t.Errorf("Errors() = %d, want 0", r.Errors())
	}
}

// TestFindings breaks one thing at a time and checks that doctor names it.
func TestFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int // what the endpoint answers on /ping
		break_ func(f *doctortest.Fake)
		want   []doctor.Finding // the findings that are not ok, without Fix
	}{
		{
			name:   "EFS security group does not admit the service",
			break_: func(f *doctortest.Fake) { doctortest.CloseEFS(f) },
			want: []doctor.Finding{{Check: "efs-access", Status: doctor.StatusError, Resource: "fsmt-1 (fs-w, subnet-1)",
				Message: "security groups sg-other do not admit sg-svc on TCP 2049; tasks fail with ResourceInitializationError"}},
		},
		{
			name: "EFS rule on the wrong port, mount target still creating",
			break_: func(f *doctortest.Fake) {
				ctx := context.Background()
				nfs := awsfake.NFSFrom("sg-svc")
				_, err := f.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: []ec2types.IpPermission{nfs}})
				nfs.FromPort, nfs.ToPort = aws.Int32(2048), aws.Int32(2048)
				_, err2 := f.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: []ec2types.IpPermission{nfs}})
				if err := errors.Join(err, err2, f.SetMountTargetState("fsmt-1", efstypes.LifeCycleStateCreating)); err != nil {
					panic(err)
				}
			},
			want: []doctor.Finding{
				{Check: "efs-access", Status: doctor.StatusWarn, Resource: "fsmt-1 (fs-w, subnet-1)", Message: "mount target is creating"},
				{Check: "efs-access", Status: doctor.StatusError, Resource: "fsmt-1 (fs-w, subnet-1)", Message: "security groups sg-efs do not admit sg-svc on TCP 2049; tasks fail with ResourceInitializationError"},
			},
		},
		{
			name:   "health path answers 404",
			status: http.StatusNotFound,
			break_: func(f *doctortest.Fake) {
				doctortest.SetTarget(f, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumResponseCodeMismatch, "Health checks failed with these codes: [404]")
			},
			want: []doctor.Finding{
				{Check: "target-health", Status: doctor.StatusError, Resource: "10.0.2.10:8000", Message: "unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [404])"},
				{Check: "health-path", Status: doctor.StatusError, Resource: "https://api.example.com/ping", Message: "answered 404 through the load balancer, want 200"},
			},
		},
		{
			name: "targets still checking, one task missing",
			break_: func(f *doctortest.Fake) {
				f.Redeploy(func(r *awsfake.Rollout) { r.Missing = 1 })
				doctortest.SetTarget(f, elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "")
			},
			want: []doctor.Finding{
				{Check: "service", Status: doctor.StatusWarn, Resource: "svc-a", Message: "1 of 2 tasks running"},
				{Check: "target-health", Status: doctor.StatusWarn, Resource: "10.0.2.10:8000", Message: "initial: Elb.InitialHealthChecking"},
			},
		},
		{
			name: "no targets and a failed rollout",
			break_: func(f *doctortest.Fake) {
				f.Redeploy(func(r *awsfake.Rollout) { r.Fail = "tasks failed to start." })
				doctortest.NoTargets(f)
			},
			want: []doctor.Finding{
				{Check: "service", Status: doctor.StatusError, Resource: "svc-a", Message: "the last deployment failed: ECS deployment circuit breaker: tasks failed to start."},
				{Check: "service", Status: doctor.StatusWarn, Resource: "svc-a", Message: "0 of 2 tasks running"},
				{Check: "target-health", Status: doctor.StatusError, Resource: tgArn, Message: "no targets are registered"},
			},
		},
		{
			name: "a stale rule with a lower priority shadows the host",
			break_: func(f *doctortest.Fake) {
				elb := f.Account.ELB
				if err := errors.Join(elb.ChangeRule(doctortest.OwnRule, 20, doctortest.OwnRuleSpec),
					elb.ChangeRule(doctortest.PreviewRule, 5, awsfake.RuleSpec{Hosts: []string{host}, TargetGroup: doctortest.PreviewTGArn})); err != nil {
					panic(err)
				}
			},
			want: []doctor.Finding{{Check: "listener-rules", Status: doctor.StatusError, Resource: doctortest.PreviewRule,
				Message: "rule with priority 5 also matches host api.example.com and wins over this endpoint's rule (priority 20)"}},
		},
		{
			name:   "no rule forwards to the target group",
			status: http.StatusOK,
			break_: func(f *doctortest.Fake) { f.Account.ELB.DeleteRule(doctortest.OwnRule) },
			want: []doctor.Finding{{Check: "listener-rules", Status: doctor.StatusError, Resource: tgArn,
				Message: "no rule on the HTTPS listener forwards to this endpoint's target group"}},
		},
		{
			name:   "image deleted from ECR",
			break_: doctortest.DeleteImage,
			want: []doctor.Finding{{Check: "image", Status: doctor.StatusError, Resource: image,
				Message: "the image the service runs is not in ECR (deleted by a lifecycle rule, or never pushed)"}},
		},
		{
			name:   "image repository missing",
			break_: doctortest.DeleteRepository,
			want: []doctor.Finding{{Check: "image", Status: doctor.StatusError, Resource: image,
				Message: "the ECR repository ecs-mlops/endpoint does not exist"}},
		},
		{
			name:   "stack from an older template without outputs",
			break_: func(f *doctortest.Fake) { f.DropOutput("TargetGroupArn") },
			want: []doctor.Finding{
				{Check: "listener-rules", Status: doctor.StatusError, Resource: "ecs-mlops-ep-a", Message: "stack output TargetGroupArn is missing"},
				{Check: "target-health", Status: doctor.StatusError, Resource: "ecs-mlops-ep-a", Message: "stack output TargetGroupArn is missing"},
				{Check: "health-path", Status: doctor.StatusError, Resource: "https://api.example.com/", Message: "answered 404 through the load balancer, want 200"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status := tc.status
			if status == 0 {
				status = http.StatusOK
			}
			srv := endpoint(t, status)
			f := doctortest.Healthy(srv.Listener.Addr().String())
			tc.break_(f)
			r := examine(t, f, srv)
			var got []doctor.Finding
			for _, fd := range r.Findings {
				if fd.Status == doctor.StatusOK {
					continue
				}
				if fd.Fix == "" {
					t.Errorf("finding %q has no fix", fd.Message)
				}
				got = append(got, fd)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(doctor.Finding{}, "Fix")); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if r.Errors() == 0 && tc.want[len(tc.want)-1].Status == doctor.StatusError {
				t.Errorf("Errors() = 0 with an error finding")
			}
		})
	}
}

func TestUnreachableLoadBalancer(t *testing.T) {
	t.Parallel()
	srv := endpoint(t, http.StatusOK)
	addr := srv.Listener.Addr().String()
	srv.Close()
	r := examine(t, doctortest.Healthy(addr), srv)
	last := r.Findings[len(r.Findings)-1]
	if last.Check != "health-path" || last.Status != doctor.StatusError || !strings.Contains(last.Message, "request through "+addr+" failed") {
		t.Errorf("last finding = %+v, want a failed health-path request through %s", last, addr)
	}
}

func TestMissingStack(t *testing.T) {
	t.Parallel()
	f := doctortest.Healthy("127.0.0.1:1")
	d := &doctor.Doctor{Clients: doctor.Clients{CloudFormation: f.Account.CloudFormation}}
	_, err := d.Examine(context.Background(), doctor.Target{Environment: "ep-b", Stack: "ep-b-pr-3"})
	if !errors.Is(err, doctor.ErrStackNotFound) || !strings.Contains(err.Error(), `stack "ep-b-pr-3"`) {
		t.Errorf("Examine error = %v, want doctor.ErrStackNotFound naming ep-b-pr-3", err)
	}
}
