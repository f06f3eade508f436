package cfntemplate

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// modernTLS matches the predefined ELB security policies whose lowest
// protocol is TLS 1.2 (…-TLS13-1-2-…, …-TLS13-1-3-…, …-TLS-1-2-…,
// …-FS-1-2-…, with their FIPS and PQ variants); the others (2016-08,
// TLS-1-1, FS-2018-06, TLS13-1-0, TLS13-1-1 …) still accept TLS 1.0 or 1.1.
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
var modernTLS = regexp.MustCompile(`^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)(-|$)`)

// recommendedTLS is the policy the fix names: TLS 1.3 and 1.2.
const recommendedTLS = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// CheckListenerTLS reports HTTPS and TLS listeners whose security policy
// is missing or admits TLS below 1.2. Without SslPolicy the listener gets
// the load balancer's default, which for listeners created through the
// API (as CloudFormation does) has been ELBSecurityPolicy-2016-08, TLS 1.0
// included.
func (s *Stack) CheckListenerTLS() []*fault.Problem {
	var fs []*fault.Problem
	for _, name := range slices.Sorted(maps.Keys(s.T.section("Resources"))) {
		r := s.T.resource(name)
		if str(r["Type"]) != "AWS::ElasticLoadBalancingV2::Listener" {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		proto := s.resolve(props["Protocol"])
		if !proto.isLit || (strings.ToUpper(proto.lit) != "HTTPS" && strings.ToUpper(proto.lit) != "TLS") {
			continue
		}
		p := "Resources." + name + ".Properties"
		fix := "set SslPolicy: " + recommendedTLS
		pol, set := props["SslPolicy"]
		if !set {
			fs = append(fs, s.T.problem(p, fix, "%s listener %s sets no SslPolicy, so it takes the load balancer's default, which accepts TLS 1.0 and 1.1", proto.lit, name))
			continue
		}
		if o := s.resolve(pol); o.isLit && !modernTLS.MatchString(o.lit) {
			fs = append(fs, s.T.problem(p+".SslPolicy", fix, "%s listener %s uses %s, which accepts TLS below 1.2", proto.lit, name, o.lit))
		}
	}
	return fs
}
