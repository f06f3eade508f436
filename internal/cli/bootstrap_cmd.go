package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	cftemplates "github.com/ecs-mlops/ecs-mlops/cf_templates"
	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// bootstrapStack is the default name of the bootstrap stack.
const bootstrapStack = "ecs-mlops-bootstrap"

// bootstrapOptions are the settings of mlops bootstrap.
type bootstrapOptions struct {
	Repository, Branch string
	Environment        string
	WeightsEnvironment string
	PreviewEnvironment string
	GCEnvironment      string
	PrunePolicies      bool
	// CreateOIDCProvider is nil when it is to be detected.
	CreateOIDCProvider *bool
	Stack, Region      string
	Params             []string
	Config             string
}

func (o *bootstrapOptions) declare(opts *options, e *Env) {
	opts.String(&o.Repository, "github-repository", "repository whose workflows may assume the roles (default $GITHUB_REPOSITORY)").Default(e.GitHub.Repository)
	opts.String(&o.Branch, "branch", "branch whose pushes deploy (default main)")
	opts.String(&o.Environment, "environment", "GitHub environment the deploy job names; the deploy role trusts its token sub (default ep-a)")
	o.declareEnvironments(opts)
	opts.OptionalBool(&o.CreateOIDCProvider, "create-oidc-provider", "create GitHub's IAM OIDC provider (default: detected; an existing stack keeps its choice, else created unless the account has one)")
	opts.String(&o.Stack, "stack", "bootstrap stack name (default "+bootstrapStack+")").Env("MLOPS_BOOTSTRAP_STACK").Default(bootstrapStack)
	opts.String(&o.Region, "region", "AWS region (default AWS_REGION, else region in the config)")
	opts.List(&o.Params, "param", "extra template parameter Key=Value (repeatable), e.g. ProjectName=ml")
	opts.String(&o.Config, "config", "config file whose names are used as defaults (default .github/mlops.yml when present)").Env("MLOPS_CONFIG")
}

func runBootstrap(ctx context.Context, e *Env, args []string) error {
	var o bootstrapOptions
	opts := e.newOptions("bootstrap", "--github-repository OWNER/NAME [--branch B] [--environment NAME] [--weights-environment NAME] [--preview-environment NAME] [--gc-environment NAME] [--prune-branch-policies] [--create-oidc-provider=false] [--stack NAME] [--region R] [--param Key=Value ...]")
	o.declare(opts, e)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	cfg, err := optionalConfig(o.Config)
	if err != nil {
		return err
	}
	tmpl, err := cfn.ParseTemplate("cf_templates/bootstrap.yaml", []byte(cftemplates.Bootstrap()))
	if err != nil {
		return fmt.Errorf("bootstrap template: %w", err)
	}
	overrides, err := e.bootstrapOverrides(&o, cfg, aws.ToString(tmpl.Parameters["EndpointAStackName"].Default))
	if err != nil {
		return err
	}
	p, err := stack.Resolve(stack.Inputs{Template: tmpl, Overrides: append(overrides, o.Params...)})
	if err != nil {
		return fault.Usage(err)
	}
	effective := map[string]string{}
	for name, spec := range tmpl.Parameters {
		effective[name] = aws.ToString(spec.Default)
	}
	maps.Copy(effective, p.Values)
	if err := checkScopes(effective); err != nil {
		return err
	}
	if err := checkEnvironments(effective); err != nil {
		return err
	}
	prune := o.PrunePolicies
	awsCfg, err := e.Services.AWSConfig(ctx, bootstrapConfig(o.Region, cfg), config.PurposeDeploy)
	if err != nil {
		return err
	}
	cfn := e.Services.CloudFormation(awsCfg)
	name := o.Stack
	if o.CreateOIDCProvider == nil {
		create, why, err := detectProvider(ctx, cfn, e.Services.IAM(awsCfg), name)
		if err != nil {
			return err
		}
		e.Action.Logf("OIDC provider: %s", why)
		p.Values["CreateOIDCProvider"], p.Source["CreateOIDCProvider"] = strconv.FormatBool(create), "detected"
	}
	// GitHub first: the roles should never trust an environment any
	// branch may use, when bootstrap can prevent it.
	if err := e.bootstrapGitHub(ctx, effective, prune); err != nil {
		return err
	}
	d := &stack.Deployer{CFN: cfn, Clock: e.Clock, Region: awsCfg.Region, Report: phaseReporter{e.Action}}
	res, err := d.Deploy(ctx, stack.Request{Stack: name, Template: tmpl, Params: p, Protect: true, Command: "mlops bootstrap", Tags: map[string]string{"mlops:purpose": "bootstrap"}})
	if err != nil {
		return explainBootstrap(err)
	}
	e.reportBootstrap(res.OutputMap())
	return nil
}

// optionalConfig loads the config when it exists: bootstrap runs before a
// repository has one, and then uses the template's defaults.
func optionalConfig(path string) (*config.Config, error) {
	if path == "" {
		if _, err := os.Stat(config.DefaultPath); err != nil {
			return nil, nil
		}
		path = config.DefaultPath
	}
	return loadConfigFile(path)
}

// checkScopes, given every parameter's value (defaults included), refuses
// names that would let one role reach what another owns. The preview role
// may change, through CloudFormation, stacks and IAM roles whose names start
// with PreviewStackPrefix, and the deploy role roles named
// "<EndpointAStackName>-*": a preview prefix that endpoint A's stack, its
// roles or the suite's own roles (<ProjectName>-deploy ...) start with would
// hand them to the preview role, and a suite role named
// "<EndpointAStackName>-..." to the deploy role.
func checkScopes(v map[string]string) error {
	prefix, stackA, project := v["PreviewStackPrefix"], v["EndpointAStackName"], v["ProjectName"]
	fix := "choose names that do not overlap (environments.<preview env>.preview.stack, --param PreviewStackPrefix=..., ProjectName or EndpointAStackName)"
	for _, role := range []string{project + "-deploy", project + "-preview", project + "-weights"} {
		// A role name is scoped like a stack's roles: the preview role
		// reaches it under the prefix, the deploy role under "<stackA>-".
		if config.ScopeOverlap(prefix, role) == config.StackUnderPreviewPrefix {
			return fault.Usagef("mlops bootstrap: PreviewStackPrefix %q is a prefix of the role %s that bootstrap creates, and the preview role may change roles named %s* through CloudFormation; %s", prefix, role, prefix, fix)
		}
		if stackA != "" && strings.HasPrefix(role, stackA+"-") {
			return fault.Usagef("mlops bootstrap: the role %s that bootstrap creates is named like endpoint A's own roles (%s-*), which the deploy role may change through CloudFormation; %s", role, stackA, fix)
		}
	}
	switch config.ScopeOverlap(prefix, stackA) {
	case config.StackUnderPreviewPrefix:
		return fault.Usagef("mlops bootstrap: EndpointAStackName %q starts with PreviewStackPrefix %q, so the preview role could change endpoint A's roles; %s", stackA, prefix, fix)
	case config.PreviewPrefixUnderStack:
		return fault.Usagef("mlops bootstrap: PreviewStackPrefix %q starts with %q, so the deploy role could change the previews' roles; %s", prefix, stackA+"-", fix)
	}
	return nil
}

// bootstrapOverrides maps flags and the config onto template parameters;
// defaultStack is the template's default of EndpointAStackName.
func (e *Env) bootstrapOverrides(o *bootstrapOptions, cfg *config.Config, defaultStack string) ([]string, error) {
	repo := o.Repository
	if repo == "" {
		return nil, fault.Usagef("mlops bootstrap: no repository; pass --github-repository owner/name (the repository whose workflows assume the roles)")
	}
	out := []string{"GitHubRepository=" + repo}
	add := func(key, value string) {
		if value != "" {
			out = append(out, key+"="+value)
		}
	}
	add("DefaultBranch", o.Branch)
	for _, p := range o.environments() {
		add(p[0], p[1])
	}
	if b := o.CreateOIDCProvider; b != nil {
		add("CreateOIDCProvider", strconv.FormatBool(*b))
	}
	if cfg == nil {
		return out, nil
	}
	add("ImageRepositoryName", cfg.Image.Repository)
	// Set even when empty: the roles' artifact scopes must be the keys
	// the deploy engine writes (<prefix>/<stack>/...).
	out = append(out, "ArtifactPrefix="+strings.Trim(cfg.Artifacts.Prefix, "/"))
	add("PreviewImageRepositoryName", cfg.Image.PreviewRepo())
	add("SyncImageRepositoryName", cfg.Image.SyncRepo())
	// The deploy (and weights) role is scoped to one stack: that of the
	// protected environment, else of the one environment the deploy role
	// deploys. Others the deploy role would deploy are named, so an
	// AccessDenied later is no surprise.
	var deployed []string
	main := ""
	for _, n := range cfg.EnvNames() {
		env := cfg.Environments[n]
		switch {
		case env.Preview != nil:
			add("PreviewStackPrefix", config.PreviewStackPrefix(env.Preview.Stack))
			add("PreviewHostPattern", strings.ReplaceAll(env.Preview.Host, "{pr}", "*"))
		case env.RoleFor() == config.PurposeDeploy:
			deployed = append(deployed, n)
			if env.Protected && main == "" {
				main = n
			}
		}
	}
	if main == "" && len(deployed) == 1 {
		main = deployed[0]
	}
	scope := defaultStack
	if main != "" {
		scope = cfg.Environments[main].Stack
		add("EndpointAStackName", scope)
	}
	for _, n := range deployed {
		if st := cfg.Environments[n].Stack; st != scope {
			e.Action.Warningf(action.Location{File: cfg.Path}, "environments.%s (stack %s) uses the deploy role, which bootstrap scopes to stack %s only, so its deploys would be denied; mark the environment the deploy role is for with protected: true, and deploy this one with other credentials",
				n, st, scope)
		}
	}
	if cfg.Weights != nil {
		if bucket, _, err := config.ParseS3URI(cfg.Weights.Source); err == nil {
			add("WeightsBucketName", bucket)
		}
	}
	return out, nil
}

// bootstrapConfig is the configuration credentials are loaded with: the
// default chain only (the roles are what bootstrap creates), in --region.
func bootstrapConfig(region string, cfg *config.Config) *config.Config {
	c := &config.Config{Path: config.DefaultPath}
	if cfg != nil {
		c.Path, c.Region = cfg.Path, cfg.Region
	}
	if r := region; r != "" {
		c.Region = r
	}
	return c
}

func explainBootstrap(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "GitHubOIDCProvider") && strings.Contains(msg, "already exists"):
		return fault.WithHint(err, "the account already has GitHub's OIDC provider (an account holds one per URL): rerun with --create-oidc-provider=false")
	case strings.Contains(msg, "ImageRepository") && strings.Contains(msg, "already exists"):
		return fault.WithHint(err, "the image repository exists outside this stack (mlops build creates it when missing): delete it if empty, or import it into the stack")
	case errors.Is(err, context.Canceled):
		return err
	}
	return err
}

// reportBootstrap prints the config snippet to paste (stdout) and records
// the ARNs as outputs and in the summary.
func (e *Env) reportBootstrap(out map[string]string) {
	fmt.Fprintf(e.Stdout, "# Paste into .github/mlops.yml:\nroles:\n  deploy: %s\n  preview: %s\n  weights: %s\nartifacts:\n  bucket: %s\n",
		out["DeployRoleArn"], out["PreviewRoleArn"], out["WeightsRoleArn"], out["ArtifactBucketName"])
	t := report.Table{Header: []string{"output", "value"}}
	for _, k := range []string{"DeployRoleArn", "PreviewRoleArn", "WeightsRoleArn", "ImageRepositoryUri", "PreviewRepositoryUri", "SyncRepositoryUri", "ArtifactBucketName", "OIDCProviderArn"} {
		t.AddRow(k, "`"+out[k]+"`")
	}
	e.Action.SetOutput("deploy-role-arn", out["DeployRoleArn"])
	e.Action.SetOutput("preview-role-arn", out["PreviewRoleArn"])
	e.Action.SetOutput("weights-role-arn", out["WeightsRoleArn"])
	e.Action.Summary("### Bootstrap\n\n" + t.Markdown())
}

// phaseReporter shows the deploy engine's phases as log groups.
type phaseReporter struct{ a *action.Action }

// Phase starts a log group.
func (r phaseReporter) Phase(title string) func() { return r.a.Group(title) }

// Printf writes one progress line.
func (r phaseReporter) Printf(format string, args ...any) { r.a.Logf(format, args...) }
