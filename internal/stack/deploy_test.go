package stack_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"
)

func TestCreateWhenStackAbsent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res, err := w.d.Deploy(context.Background(), request(t))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if res.ChangeSetType != "CREATE" || res.Status != "CREATE_COMPLETE" {
		t.Errorf("type %s status %s, want CREATE / CREATE_COMPLETE", res.ChangeSetType, res.Status)
	}
	want := map[string]string{
		"EndpointUrl":     "https://api.example.com",
		"ClusterName":     "ep-a-Cluster",
		"LoadBalancerDNS": "ep-a-loadbalancer-1234567890.eu-west-1.elb.amazonaws.com",
		"ServiceArn":      "arn:aws:ecs:eu-west-1:123456789012:service/ep-a-Cluster/ep-a-Service",
	}
	if diff := cmp.Diff(want, res.OutputMap()); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if got := w.cf.Status("ep-a"); got != types.StackStatusCreateComplete {
		t.Errorf("fake status %s", got)
	}
	t.Log(w.log)
}
