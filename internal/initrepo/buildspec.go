package initrepo

import (
	"cmp"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// buildspec is the part of a CodeBuild buildspec init reads.
// https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
type buildspec struct {
	Env struct {
		Variables map[string]string `yaml:"variables"`
	} `yaml:"env"`
	Phases map[string]struct {
		Commands []string `yaml:"commands"`
	} `yaml:"phases"`
}

// phases in the order CodeBuild runs them.
var phases = []string{"install", "pre_build", "build", "post_build"}

var (
	ecrRe       = regexp.MustCompile(`[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9._/-]+)`)
	flagValueRe = regexp.MustCompile(`--([a-z-]+)[ =]("[^"]*"|'[^']*'|\S+)`)
)

// fromBuildspec reads the buildspec and maps each of its commands.
func (p *plan) fromBuildspec() error {
	name := cmp.Or(p.o.Buildspec, "buildspec.yml")
	data, ok := p.repo.files[name]
	if !ok {
		b, err := os.ReadFile(filepath.Join(p.o.Root, filepath.FromSlash(name)))
		if err != nil {
			return fmt.Errorf("read the buildspec %s: %w; pass --buildspec with the path of the CodeBuild buildspec (relative to the repository)", name, err)
		}
		data = b
	}
	var bs buildspec
	if err := yaml.Unmarshal(data, &bs); err != nil {
		return fmt.Errorf("buildspec %s is not valid YAML: %w", name, err)
	}
	if len(bs.Phases) == 0 {
		return fmt.Errorf("buildspec %s has no phases; is it a CodeBuild buildspec (version: 0.2, phases: build: commands: ...)?", name)
	}
	p.stacks = map[string]string{}
	vars := bs.Env.Variables
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			if v, ok := vars[k]; ok {
				return v
			}
			return "$" + k
		})
	}
	p.report().Found = append(p.report().Found, "CodeBuild buildspec "+name)
	for _, ph := range phases {
		for _, block := range bs.Phases[ph].Commands {
			for _, line := range strings.Split(block, "\n") {
				for _, c := range strings.Split(line, " && ") {
					if c = strings.TrimSpace(c); c != "" {
						p.command(name+" "+ph, c, expand(c))
					}
				}
			}
		}
	}
	if v := vars["AWS_DEFAULT_REGION"]; v != "" && p.region == "" {
		p.region = v
	}
	return nil
}

// command maps one buildspec command; raw is as written, c expanded.
func (p *plan) command(where, raw, c string) {
	rep := p.report()
	mapped := func(format string, args ...any) {
		rep.Mapped = append(rep.Mapped, fmt.Sprintf("%s: %s → %s", where, raw, fmt.Sprintf(format, args...)))
	}
	dropped := func(format string, args ...any) {
		rep.Dropped = append(rep.Dropped, fmt.Sprintf("%s: %s: %s", where, raw, fmt.Sprintf(format, args...)))
	}
	if m := ecrRe.FindStringSubmatch(c); m != nil {
		p.region = cmp.Or(p.region, m[1])
		if p.image.Repository == "" && !strings.Contains(m[2], "$") {
			p.image.Repository = strings.TrimSuffix(m[2], "/")
			rep.Next = append(rep.Next, fmt.Sprintf("image.repository is %s, the original's repository; mlops bootstrap creates it and fails while the original stack still owns it: retain it first, or name a new one (docs/migration.md)", p.image.Repository))
		}
	}
	fields := strings.Fields(c)
	switch {
	case strings.Contains(c, "DesiredCount"):
		dropped("the DesiredCount=0 first-run workaround (the image repository was empty on the first deploy) is dropped: mlops bootstrap creates the repository and mlops build pushes before mlops deploy, so the first deploy starts the service as it is")
	case strings.HasPrefix(c, "docker build"):
		p.dockerBuild(fields)
		mapped("mlops build (image.context %s, image.dockerfile %s in .github/mlops.yml): builds once per commit, tagged with the commit SHA, skipped when that image exists", p.image.Context, p.image.Dockerfile)
	case strings.HasPrefix(c, "docker push"):
		mapped("mlops build, which pushes what it builds and prints the reference with its digest")
	case strings.HasPrefix(c, "docker tag"):
		dropped("mlops build tags the image with the commit SHA itself")
	case strings.Contains(c, "ecr get-login") || strings.HasPrefix(c, "docker login"):
		dropped("mlops build logs in to ECR with the role it assumed through GitHub OIDC; no password is piped")
	case strings.HasPrefix(c, "sed ") && strings.Contains(c, ".json"):
		p.imageParam = sedParameter(c)
		mapped("the image parameter (image_parameter: %s), which mlops deploy --image sets from mlops build's output; no file is edited", cmp.Or(p.imageParam, "the image parameter"))
	case strings.Contains(c, "aws cloudformation update-stack") || strings.Contains(c, "aws cloudformation create-stack") || strings.Contains(c, "aws cloudformation deploy"):
		p.stackCommand(c)
		mapped("mlops deploy --env <environment>: a change set, shown, then executed; live events; it waits for the stack, the ECS rollout and healthy targets, where update-stack returned at once")
	case strings.Contains(c, "aws cloudformation wait"):
		dropped("mlops deploy waits itself, and for the ECS rollout too")
	case strings.HasPrefix(c, "aws s3 sync"):
		p.repo.syncs = append(p.repo.syncs, syncFrom(where, c)...)
		mapped("the sync-weights workflow")
	case isShellOnly(fields):
		dropped("not needed: the suite sets the tag, region and account itself")
	default:
		rep.Next = append(rep.Next, fmt.Sprintf("%s: %s is not mapped; if it is still needed, run it in a step of your own in .github/workflows/deploy.yml", where, raw))
	}
}

func isShellOnly(fields []string) bool {
	if len(fields) == 0 {
		return true
	}
	switch f := fields[0]; {
	case f == "echo" || f == "printf" || f == "cd" || f == "export" || f == "env" || f == "printenv":
		return true
	case strings.Contains(f, "=") && !strings.HasPrefix(f, "-"):
		return true
	}
	return false
}

func (p *plan) dockerBuild(fields []string) {
	ctx := "."
	for i := 2; i < len(fields); i++ {
		f := fields[i]
		switch {
		case (f == "-f" || f == "--file") && i+1 < len(fields):
			p.image.Dockerfile = strings.TrimPrefix(fields[i+1], "./")
			i++
		case strings.HasPrefix(f, "--file="):
			p.image.Dockerfile = strings.TrimPrefix(strings.TrimPrefix(f, "--file="), "./")
		case strings.HasPrefix(f, "-") && i+1 < len(fields) && !strings.Contains(f, "="):
			i++ // -t name, --build-arg K=V ...
		case !strings.HasPrefix(f, "-"):
			ctx = strings.TrimSuffix(strings.TrimPrefix(f, "./"), "/")
		}
	}
	p.image.Context = cmp.Or(ctx, ".")
	if p.image.Dockerfile == "" {
		p.image.Dockerfile = path.Join(p.image.Context, "Dockerfile")
	}
}

func (p *plan) stackCommand(c string) {
	var stackName, tpl string
	for _, m := range flagValueRe.FindAllStringSubmatch(c, -1) {
		v := strings.Trim(m[2], `"'`)
		switch m[1] {
		case "stack-name":
			stackName = v
		case "template-body", "template-file":
			tpl = strings.TrimPrefix(strings.TrimPrefix(v, "file://"), "./")
		}
	}
	if tpl != "" && stackName != "" && !strings.Contains(stackName, "$") {
		p.stacks[tpl] = stackName
		p.stacks[suiteDir+"/"+path.Base(tpl)] = stackName
	}
}

var sedParamRe = regexp.MustCompile(`([A-Z][A-Za-z0-9]+)\\?"?\s*[,:]`)

// sedParameter is the parameter a sed of a parameter file rewrites: the
// first ParameterKey-like name in its expression that is not a key of the
// AWS CLI form itself.
func sedParameter(c string) string {
	for _, m := range sedParamRe.FindAllStringSubmatch(c, -1) {
		if m[1] != "ParameterKey" && m[1] != "ParameterValue" {
			return m[1]
		}
	}
	return ""
}

func syncFrom(where, c string) []cronSync {
	m := syncRe.FindStringSubmatch(c)
	if m == nil {
		return nil
	}
	return []cronSync{{File: where, Source: m[1], Target: m[2]}}
}
