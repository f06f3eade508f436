package cfntemplate

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

func loadConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join(root, config.DefaultPath))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type deployed struct {
	env    *config.Environment
	tmpl   *Template
	values map[string]string
	stack  string
}

func loadEnvs(t *testing.T, cfg *config.Config) []deployed {
	t.Helper()
	var out []deployed
	for _, name := range cfg.EnvNames() {
		e := cfg.Environments[name]
		tmpl, err := Open(filepath.Join(root, e.Template))
		if err != nil {
			t.Fatal(err)
		}
		pf, err := cfn.ReadParamFile(filepath.Join(root, e.Parameters))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, deployed{env: e, tmpl: tmpl, values: pf.Values, stack: e.StackFor(1)})
	}
	return out
}

// TestOutputsOthersRead pins the stack outputs the deploy engine, the
// preview engine, the weight sync and doctor read.
func TestOutputsOthersRead(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t)
	common := []string{"EndpointUrl", "AlbDnsName", "HttpsListenerArn", "ClusterName", "ServiceName", "TargetGroupArn", "ContainerName", "ServiceSecurityGroup", "ListenerRuleArn"}
	want := map[string][]string{
		"ep-a": append([]string{"PrivateSubnets", "WeightsSyncTaskDefinition", "WeightsSyncContainerName", "WeightsLogGroup", "WeightsFileSystemId", "EfsSecurityGroup"}, common...),
		"ep-b": append([]string{"ListenerRulePriority"}, common...),
	}
	for _, d := range loadEnvs(t, cfg) {
		outs := d.tmpl.section("Outputs")
		names := append([]string{d.env.URLOutput}, want[d.env.Name]...)
		for _, n := range names {
			if outs[n] == nil {
				t.Errorf("%s: output %q is missing", d.env.Template, n)
			}
		}
	}
}

// TestWeightsPathMatchesConfig checks that the endpoint reads its weights
// where the weight sync writes them.
func TestWeightsPathMatchesConfig(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t)
	for _, d := range loadEnvs(t, cfg) {
		if d.env.Name != cfg.Weights.Environment {
			continue
		}
		if got := d.values["WeightsMountPath"]; got != cfg.Weights.Target {
			t.Errorf("%s: WeightsMountPath = %q, config weights.target = %q", d.env.Parameters, got, cfg.Weights.Target)
		}
		bucket, prefix, err := config.ParseS3URI(cfg.Weights.Source)
		if err != nil {
			t.Fatal(err)
		}
		if d.values["WeightsSourceBucket"] != bucket || d.values["WeightsSourcePrefix"] != prefix {
			t.Errorf("%s: weights source s3://%s/%s, config weights.source = %q", d.env.Parameters, d.values["WeightsSourceBucket"], d.values["WeightsSourcePrefix"], cfg.Weights.Source)
		}
	}
}

// TestNamesFitBootstrapScopes keeps the generated names inside what the
// roles of bootstrap.yaml may touch: iam:PassRole on role/<stack>-* (so no
// RoleName and no Path) and ecs:RunTask on task-definition/<stack>*.
func TestNamesFitBootstrapScopes(t *testing.T) {
	t.Parallel()
	for _, d := range loadEnvs(t, loadConfig(t)) {
		for _, name := range slices.Sorted(maps.Keys(d.tmpl.section("Resources"))) {
			r := d.tmpl.resource(name)
			props, _ := r["Properties"].(map[string]any)
			switch str(r["Type"]) {
			case "AWS::IAM::Role":
				if props["RoleName"] != nil || props["Path"] != nil {
					t.Errorf("%s: role %s sets RoleName or Path; its ARN would leave role/<stack>-*", d.env.Template, name)
				}
			case "AWS::ECS::TaskDefinition":
				if fam := props["Family"]; fam != nil && !strings.HasPrefix(fmt.Sprint(fam), "map[Fn::Sub:${AWS::StackName}-") {
					t.Errorf("%s: task definition %s family %v does not start with the stack name", d.env.Template, name, fam)
				}
			}
		}
	}
}

// Endpoint A's task execution role pulls from image.repository only, and
// the previews' (add-ep-b imports it) from the preview repository only: a
// preview could otherwise stop with CannotPullContainerError, or a pull
// request run A's images with its own code's template.
func TestExecutionRolesPullTheirRepositories(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t)
	for _, d := range loadEnvs(t, cfg) {
		if d.env.Preview != nil {
			continue
		}
		values := map[string]string{"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}
		for k, v := range d.values {
			values[k] = v
		}
		// Endpoint A's execution role also pulls the weight-sync image.
		for role, repos := range map[string][]string{"ExecutionRole": {cfg.Image.Repository, cfg.Image.SyncRepo()}, "PreviewExecutionRole": {cfg.Image.PreviewRepo()}} {
			pulls := ecrPulls(t, d, role, values)
			var want []string
			for _, repo := range repos {
				want = append(want, "arn:aws:ecr:eu-west-1:123456789012:repository/"+repo)
			}
			if !slices.Equal(pulls, want) {
				t.Errorf("%s: %s may pull from %q, want only %q", d.env.Template, role, pulls, want)
			}
		}
	}
}

// ecrPulls lists the repositories a role of the template may pull from.
// An Fn::If on Has<Parameter> takes the branch the parameter's value
// chooses (the templates' conditions of that name test for "").
// ecrPulls lists the repositories role may pull from. A template of
// another shape (the original's, say) is reported, naming the file and the
// key, instead of panicking on a type assertion.
func ecrPulls(t testing.TB, d deployed, role string, values map[string]string) []string {
	t.Helper()
	var pulls []string
	props, _ := d.tmpl.resource(role)["Properties"].(map[string]any)
	pols, ok := props["Policies"].([]any)
	if !ok {
		t.Errorf("%s: Resources.%s.Properties.Policies is %T, want a list of inline policies", d.env.Template, role, props["Policies"])
		return nil
	}
	for i, pol := range pols {
		pm, _ := pol.(map[string]any)
		doc, _ := pm["PolicyDocument"].(map[string]any)
		stmts, ok := doc["Statement"].([]any)
		if !ok {
			t.Errorf("%s: Resources.%s.Properties.Policies[%d].PolicyDocument.Statement is %T, want a list", d.env.Template, role, i, doc["Statement"])
			continue
		}
		for _, s := range stmts {
			st, _ := s.(map[string]any)
			if !strings.Contains(fmt.Sprint(st["Action"]), "ecr:BatchGetImage") {
				continue
			}
			res, ok := st["Resource"].([]any)
			if !ok {
				res = []any{st["Resource"]}
			}
			for _, r := range res {
				if fn, arg, ok := cfn.Intrinsic(r); ok && fn == "Fn::If" {
					args, _ := arg.([]any)
					cond, _ := firstOf(args).(string)
					if len(args) != 3 || cond == "" {
						t.Errorf("%s: Resources.%s: Fn::If %v is not [condition, then, else]", d.env.Template, role, arg)
						continue
					}
					r = args[2]
					if values[strings.TrimPrefix(cond, "Has")] != "" {
						r = args[1]
					}
				}
				arn, err := d.tmpl.evalName(r, d.stack, values)
				if err != nil {
					t.Errorf("%s: %s resource %v: %v", d.env.Template, role, r, err)
					continue
				}
				pulls = append(pulls, arn)
			}
		}
	}
	return pulls
}

func firstOf(l []any) any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}
