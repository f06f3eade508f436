package doctor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecs-mlops/ecs-mlops/internal/probe"
)

// checkRules finds the listener rule that forwards to the target group and
// reports rules with a lower priority number that match the same host:
// the load balancer evaluates rules in priority order, so such a rule
// takes this endpoint's traffic.
func (d *Doctor) checkRules(ctx context.Context, r *Report, outs map[string]string, host string) {
	const check = "listener-rules"
	if !r.need(check, outs, "HttpsListenerArn", "TargetGroupArn") {
		return
	}
	var rules []elbtypes.Rule
	p := elb.NewDescribeRulesPaginator(d.ELB, &elb.DescribeRulesInput{ListenerArn: aws.String(outs["HttpsListenerArn"])})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			r.add(check, StatusError, outs["HttpsListenerArn"], fmt.Sprintf("describe rules: %v", err), "check that the listener exists and the role may call elasticloadbalancing:DescribeRules")
			return
		}
		rules = append(rules, page.Rules...)
	}
	tg := outs["TargetGroupArn"]
	i := slices.IndexFunc(rules, func(rule elbtypes.Rule) bool { return forwardsTo(rule, tg) })
	if i < 0 {
		r.add(check, StatusError, tg, "no rule on the HTTPS listener forwards to this endpoint's target group",
			"deploy the stack again; its ListenerRule attaches the target group")
		return
	}
	own := rules[i]
	ownPrio, _ := strconv.Atoi(aws.ToString(own.Priority))
	if host != "" && !slices.Contains(hosts(own), host) {
		r.add(check, StatusError, aws.ToString(own.RuleArn), fmt.Sprintf("the rule matches hosts %v, not %s", hosts(own), host),
			"set HostHeaderApi to the endpoint's host name and deploy again")
	}
	found := false
	for _, other := range rules {
		prio, err := strconv.Atoi(aws.ToString(other.Priority))
		if err != nil || aws.ToString(other.RuleArn) == aws.ToString(own.RuleArn) {
			continue
		}
		if prio == ownPrio {
			found = true
			r.add(check, StatusError, aws.ToString(other.RuleArn), fmt.Sprintf("priority %d is used twice on the listener", prio), "give one of the rules another ListenerRulePriority")
		}
		if prio < ownPrio && host != "" && slices.Contains(hosts(other), host) {
			found = true
			r.add(check, StatusError, aws.ToString(other.RuleArn),
				fmt.Sprintf("rule with priority %d also matches host %s and wins over this endpoint's rule (priority %d)", prio, host, ownPrio),
				"remove the stale rule (a preview left behind: mlops preview gc) or give this endpoint another host")
		}
	}
	if !found {
		r.add(check, StatusOK, aws.ToString(own.RuleArn), fmt.Sprintf("priority %d, host %s, no other rule takes its traffic", ownPrio, host), "")
	}
}

func forwardsTo(rule elbtypes.Rule, tg string) bool {
	for _, a := range rule.Actions {
		if aws.ToString(a.TargetGroupArn) == tg {
			return true
		}
		if a.ForwardConfig != nil && slices.ContainsFunc(a.ForwardConfig.TargetGroups, func(t elbtypes.TargetGroupTuple) bool { return aws.ToString(t.TargetGroupArn) == tg }) {
			return true
		}
	}
	return false
}

func hosts(rule elbtypes.Rule) []string {
	var out []string
	for _, c := range rule.Conditions {
		if aws.ToString(c.Field) != "host-header" {
			continue
		}
		out = append(out, c.Values...)
		if c.HostHeaderConfig != nil {
			out = append(out, c.HostHeaderConfig.Values...)
		}
	}
	return out
}

// reasonFix grades a target health reason and says what to do for each target health reason
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html#target-health-reason-codes).
func reasonFix(reason elbtypes.TargetHealthReasonEnum, path string) (Status, string) {
	switch reason {
	case "Elb.RegistrationInProgress", "Elb.InitialHealthChecking", "Target.DeregistrationInProgress":
		return StatusWarn, "wait; the target is still being registered, checked or drained"
	case "Target.ResponseCodeMismatch":
		return StatusError, fmt.Sprintf("the container must answer 200 on %s once the model is loaded; fix the endpoint or ApiHealthCheckPath", path)
	case "Target.Timeout":
		return StatusError, "the container did not answer in time: check that it listens on ApiPort on all interfaces and that loading the weights fits in HealthCheckGracePeriod"
	case "Target.FailedHealthChecks":
		return StatusError, "the connection failed: check that the container listens on ApiPort and that the task's security group admits the load balancer"
	case "Target.NotRegistered", "Target.NotInUse":
		return StatusError, "the target group is not serving this target; check that the listener rule forwards to the target group"
	}
	return StatusError, "see the target group's health checks in the console"
}

// checkTargets reports the health of every registered target and returns
// the target group's health-check path.
func (d *Doctor) checkTargets(ctx context.Context, r *Report, outs map[string]string) string {
	const check = "target-health"
	if !r.need(check, outs, "TargetGroupArn") {
		return ""
	}
	tg := outs["TargetGroupArn"]
	path := ""
	groups, err := d.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
	switch {
	case err != nil:
		r.add(check, StatusError, tg, fmt.Sprintf("describe target group: %v", err), "check that the role may call elasticloadbalancing:DescribeTargetGroups")
	case len(groups.TargetGroups) > 0:
		path = aws.ToString(groups.TargetGroups[0].HealthCheckPath)
	}
	health, err := d.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		r.add(check, StatusError, tg, fmt.Sprintf("describe target health: %v", err), "check that the role may call elasticloadbalancing:DescribeTargetHealth")
		return path
	}
	if len(health.TargetHealthDescriptions) == 0 {
		r.add(check, StatusError, tg, "no targets are registered", "the service runs no task: see the service finding and the stopped tasks' reasons")
		return path
	}
	for _, h := range health.TargetHealthDescriptions {
		target := fmt.Sprintf("%s:%d", aws.ToString(h.Target.Id), aws.ToInt32(h.Target.Port))
		th := h.TargetHealth
		if th == nil || th.State == elbtypes.TargetHealthStateEnumHealthy {
			r.add(check, StatusOK, target, "healthy", "")
			continue
		}
		status, fix := reasonFix(th.Reason, path)
		msg := fmt.Sprintf("%s: %s", th.State, th.Reason)
		if desc := aws.ToString(th.Description); desc != "" {
			msg += " (" + desc + ")"
		}
		r.add(check, status, target, msg, fix)
	}
	return path
}

// checkHealthPath requests the health-check path through the load
// balancer with the endpoint's host name, as a client would before DNS
// points at it: the connection goes to the load balancer's DNS name, TLS
// and the Host header carry the endpoint's host.
func (d *Doctor) checkHealthPath(ctx context.Context, r *Report, outs map[string]string, host, path string) {
	const check = "health-path"
	if !r.need(check, outs, "AlbDnsName") {
		return
	}
	if path == "" {
		path = "/"
	}
	scheme := d.Scheme
	if scheme == "" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s%s", scheme, host, path)
	status, err := d.get(ctx, url, outs["AlbDnsName"], scheme)
	switch {
	case err != nil:
		r.add(check, StatusError, url, fmt.Sprintf("request through %s failed: %v", outs["AlbDnsName"], err),
			"check that AllowedCidrIp admits you, the certificate covers "+host+" and the listener answers on "+scheme)
	case status != http.StatusOK:
		r.add(check, StatusError, url, fmt.Sprintf("answered %d through the load balancer, want 200", status),
			fmt.Sprintf("a 404 with \"no endpoint for this host\" means no rule matches %s; a 502/503 means no healthy target; else the container answers %d on %s", host, status, path))
	default:
		r.add(check, StatusOK, url, "answered 200 through the load balancer", "")
	}
}

func (d *Doctor) get(ctx context.Context, url, alb, scheme string) (int, error) {
	base := d.HTTP
	if base == nil {
		base = http.DefaultClient
	}
	client := probe.Via(base, probe.LoadBalancerAddr(alb, scheme))
	defer client.CloseIdleConnections()
	client.Timeout = 15 * time.Second
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}
