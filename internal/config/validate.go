package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/awsarn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

var (
	regionRe   = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)
	envNameRe  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	stackRe    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)
	ecrRepoRe  = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	paramKeyRe = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	bucketRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

type checker struct{ ps []*fault.Problem }

func (c *checker) add(key, format string, args ...any) {
	c.ps = append(c.ps, &fault.Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// required reports an empty value, showing an example of a good one.
func (c *checker) required(key, value, example string) bool {
	if strings.TrimSpace(value) == "" {
		c.add(key, "must not be empty; set it, e.g. %s: %s", key[strings.LastIndex(key, ".")+1:], example)
		return false
	}
	return true
}

func (c *checker) match(key, value string, re *regexp.Regexp, want string) {
	c.matchFunc(key, value, re.MatchString, want)
}

// matchFunc reports a value that is set but not what ok accepts.
func (c *checker) matchFunc(key, value string, ok func(string) bool, want string) {
	if value != "" && !ok(value) {
		c.add(key, "%q is not %s", value, want)
	}
}

func (cfg *Config) validate() []*fault.Problem {
	c := &checker{}
	if cfg.Version != 0 && cfg.Version != 1 {
		c.add("version", "unsupported version %d; this mlops reads version 1", cfg.Version)
	}
	if c.required("region", cfg.Region, "eu-west-1") {
		c.match("region", cfg.Region, regionRe, "an AWS region such as eu-west-1")
	}
	c.match("image.repository", cfg.Image.Repository, ecrRepoRe, "a valid ECR repository name (lowercase letters, digits, . _ - /)")
	c.match("image.preview_repository", cfg.Image.PreviewRepository, ecrRepoRe, "a valid ECR repository name (lowercase letters, digits, . _ - /)")
	c.match("image.sync.repository", cfg.Image.Sync.Repository, ecrRepoRe, "a valid ECR repository name (lowercase letters, digits, . _ - /)")
	if r := cfg.Image.Sync.Repository; r != "" && (r == cfg.Image.Repository || r == cfg.Image.PreviewRepo()) {
		c.add("image.sync.repository", "%q is the endpoint or preview image repository; the weight-sync image needs its own (omit it for <image.repository>-sync)", r)
	}
	if r := cfg.Image.PreviewRepository; r != "" && r == cfg.Image.Repository {
		c.add("image.preview_repository", "%q is image.repository; previews need their own repository so the preview role cannot delete the images endpoint A runs (omit it for %s-preview)", r, r)
	}
	for _, p := range []Purpose{PurposeDeploy, PurposePreview, PurposeWeights} {
		c.matchFunc("roles."+string(p), cfg.Roles.For(p), awsarn.IsRoleARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/mlops-deploy")
	}
	c.match("artifacts.bucket", cfg.Artifacts.Bucket, bucketRe, "a valid S3 bucket name")
	if len(cfg.Environments) == 0 {
		c.add("environments", "must define at least one environment, e.g. ep-a")
	}
	previews := 0
	for _, name := range cfg.EnvNames() {
		e := cfg.Environments[name]
		if e.Preview != nil {
			previews++
		}
		cfg.validateEnv(c, name, e)
	}
	if previews > 1 {
		c.add("environments", "only one environment may have a preview section, found %d", previews)
	}
	cfg.validateStackScopes(c)
	if cfg.Weights != nil {
		cfg.validateWeights(c)
	}
	if cfg.Compare != nil {
		cfg.validateCompare(c)
	}
	return c.ps
}

func (cfg *Config) validateEnv(c *checker, name string, e *Environment) {
	k := "environments." + name
	if !envNameRe.MatchString(name) {
		c.add(k, "environment name %q must be lowercase letters, digits and dashes, starting with a letter", name)
	}
	if e.Preview == nil {
		if c.required(k+".stack", e.Stack, "ecs-mlops-"+name) {
			c.match(k+".stack", e.Stack, stackRe, "a valid stack name (letters, digits, dashes; starts with a letter)")
		}
	} else if e.Stack != "" {
		c.add(k+".stack", "a preview environment names its stacks with preview.stack (a pattern with {pr}); remove stack")
	}
	c.required(k+".template", e.Template, "cf_templates/create-ep-a.yaml")
	if e.ImageParameter != "" {
		c.match(k+".image_parameter", e.ImageParameter, paramKeyRe, "a CloudFormation parameter name (letters and digits)")
	}
	switch e.Role {
	case "", PurposeDeploy, PurposePreview, PurposeWeights:
	default:
		c.add(k+".role", "%q is not a purpose; use deploy, preview or weights", e.Role)
	}
	if e.Preview != nil {
		if e.Protected {
			c.add(k+".protected", "a preview environment cannot be protected; previews are torn down when the PR closes")
		}
		validatePreview(c, k+".preview", e.Preview)
		if b := e.Preview.Base; b != "" {
			if be, ok := cfg.Environments[b]; !ok || be.Preview != nil {
				c.add(k+".preview.base", "%q is not a non-preview environment; name the environment whose stack previews join, e.g. ep-a", b)
			}
		}
	}
}

// validateStackScopes keeps the names of the preview stacks and of the other
// environments' stacks apart. The roles bootstrap creates are scoped by name:
// the preview role may change stacks (and their roles) whose names start with
// the preview prefix, the deploy role the roles named "<stack>-*". A stack of
// another environment under the preview prefix would be the preview role's
// to change; a preview prefix under "<stack>-" would give the deploy role the
// previews' roles.
func (cfg *Config) validateStackScopes(c *checker) {
	for _, pn := range cfg.EnvNames() {
		pe := cfg.Environments[pn]
		if pe.Preview == nil || !strings.Contains(pe.Preview.Stack, "{pr}") {
			continue
		}
		prefix := PreviewStackPrefix(pe.Preview.Stack)
		for _, n := range cfg.EnvNames() {
			e := cfg.Environments[n]
			if e.Preview != nil || e.Stack == "" {
				continue
			}
			switch ScopeOverlap(prefix, e.Stack) {
			case StackUnderPreviewPrefix:
				c.add("environments."+n+".stack", "%q starts with %q, the prefix of environments.%s.preview.stack, so the preview role could change this stack; rename one of them so neither name starts with the other", e.Stack, prefix, pn)
			case PreviewPrefixUnderStack:
				c.add("environments."+pn+".preview.stack", "%q starts with %q, so the roles of preview stacks would be named like this environment's own (%s-*) and the deploy role could change them; rename one of them, e.g. ep-b-pr-{pr}", pe.Preview.Stack, e.Stack+"-", e.Stack)
			}
		}
	}
}

// Overlap is how a preview stack prefix and another stack's name overlap in
// the roles' name scopes.
type Overlap int

const (
	// Apart: neither role reaches the other's stack or roles.
	Apart Overlap = iota
	// StackUnderPreviewPrefix: the stack (and its roles) start with the
	// preview prefix, so the preview role may change them.
	StackUnderPreviewPrefix
	// PreviewPrefixUnderStack: the preview stacks' roles are named
	// "<stack>-...", so the deploy role may change them.
	PreviewPrefixUnderStack
)

// ScopeOverlap says how the preview stack prefix and stack overlap.
func ScopeOverlap(previewPrefix, stack string) Overlap {
	switch {
	case previewPrefix == "" || stack == "":
		return Apart
	case strings.HasPrefix(stack, previewPrefix):
		return StackUnderPreviewPrefix
	case strings.HasPrefix(previewPrefix, stack+"-"):
		return PreviewPrefixUnderStack
	}
	return Apart
}

// PreviewStackPrefix is the part of a preview stack pattern before {pr}: the
// name prefix every preview stack shares, and what bootstrap scopes the
// preview role to.
func PreviewStackPrefix(pattern string) string {
	prefix, _, _ := strings.Cut(pattern, "{pr}")
	return prefix
}

func validatePreview(c *checker, k string, p *Preview) {
	if c.required(k+".stack", p.Stack, "ep-b-pr-{pr}") {
		if !strings.Contains(p.Stack, "{pr}") {
			c.add(k+".stack", "%q must contain {pr} so each pull request gets its own stack, e.g. ep-b-pr-{pr}", p.Stack)
		} else {
			c.match(k+".stack", strings.ReplaceAll(p.Stack, "{pr}", "1"), stackRe, "a valid stack name pattern")
		}
	}
	if c.required(k+".host", p.Host, "pr-{pr}.preview.example.com") && !strings.Contains(p.Host, "{pr}") {
		c.add(k+".host", "%q must contain {pr}, e.g. pr-{pr}.preview.example.com", p.Host)
	}
	c.required(k+".label", p.Label, "deploy-preview")
	if c.required(k+".priority_parameter", p.PriorityParameter, "ListenerRulePriority") {
		c.match(k+".priority_parameter", p.PriorityParameter, paramKeyRe, "a CloudFormation parameter name (letters and digits)")
	}
	c.match(k+".host_parameter", p.HostParameter, paramKeyRe, "a CloudFormation parameter name (letters and digits)")
	c.match(k+".listener_output", p.ListenerOutput, paramKeyRe, "a CloudFormation output name (letters and digits)")
	if p.TTL != "" {
		if _, err := ParseTTL(p.TTL); err != nil {
			c.add(k+".ttl", "%v", err)
		}
	}
}

func (cfg *Config) validateWeights(c *checker) {
	w := cfg.Weights
	if c.required("weights.source", w.Source, "s3://my-weights-bucket/endpoint") {
		if _, _, err := ParseS3URI(w.Source); err != nil {
			c.add("weights.source", "%v", err)
		}
	}
	if c.required("weights.target", w.Target, "/mnt/weights") && !strings.HasPrefix(w.Target, "/") {
		c.add("weights.target", "%q must be an absolute path, e.g. /mnt/weights", w.Target)
	}
	if w.Keep < 0 {
		c.add("weights.keep", "must be 1 or more (0 means the default, 3)")
	}
	if w.Environment != "" {
		if _, ok := cfg.Environments[w.Environment]; !ok {
			c.add("weights.environment", "%q is not one of the environments: %s", w.Environment, strings.Join(cfg.EnvNames(), ", "))
		}
	}
}

// ParseS3URI splits s3://bucket/prefix into bucket and prefix (without a
// leading slash; a trailing slash is kept off too).
func ParseS3URI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an S3 URI; write s3://bucket/prefix", uri)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !bucketRe.MatchString(bucket) || strings.Contains(bucket, "..") {
		return "", "", fmt.Errorf("%q has no valid bucket name; write s3://bucket/prefix", uri)
	}
	return bucket, strings.Trim(prefix, "/"), nil
}
