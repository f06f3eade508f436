package initrepo

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	cftemplates "github.com/ecs-mlops/ecs-mlops/cf_templates"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/cfntemplate"
)

// suiteDir is where the suite's templates go.
const suiteDir = "cf_templates"

// replacedBy names what the suite does instead of a parameter value the
// original set by hand; init drops the value and says so.
var replacedBy = map[string]string{
	"APITag":               "ImageUri, which mlops deploy --image sets to the image mlops build pushed for the commit (the buildspec's sed of the tag is gone)",
	"ImageUri":             "the image mlops build pushes for the commit (mlops deploy --image)",
	"ListenerRulePriority": "the priority mlops preview up allocates for each pull request (preview.priority_parameter)",
	"HostHeaderApi":        "pr-<N>.<preview domain>, which mlops preview up sets for each pull request (preview.host_parameter)",
	"WeightsSyncImageUri":  "the weight-sync image the deploy workflow builds (mlops build --sync-image)",
}

// previewOnly are replaced in B's file only: A's own host and listener
// rule priority stay A's.
var previewOnly = map[string]bool{"ListenerRulePriority": true, "HostHeaderApi": true}

// suiteEnvironments writes the suite's endpoint templates and parameter
// files, with the values of the repository's own parameter files of the
// same names, and configures ep-a and ep-b (the previews) as the suite's
// own config does.
func (p *plan) suiteEnvironments() error {
	own := map[string]*cfn.ParamFile{}
	for _, t := range p.repo.templates {
		if t.Values != nil {
			own[strings.TrimSuffix(path.Base(t.Path), path.Ext(t.Path))] = t.Values
		}
	}
	projectA := ""
	if a := own["create-ep-a"]; a != nil {
		projectA = a.Values["ProjectName"]
	}
	p.suiteWeights()
	p.image.Repository = cmp.Or(p.image.Repository, "ecs-mlops/endpoint")
	for _, name := range cftemplates.EndpointFiles() {
		data, err := cftemplates.Endpoint(name)
		if err != nil {
			return fmt.Errorf("read the suite's %s: %w", name, err)
		}
		stem := strings.TrimSuffix(name, path.Ext(name))
		if path.Ext(name) == ".json" {
			if data, err = p.mergeValues(stem, data, own[stem], projectA); err != nil {
				return err
			}
		}
		p.r.add(suiteDir+"/"+name, data)
	}
	p.syncImage = true
	p.envs = []*environment{
		{Name: "ep-a", Stack: p.suiteStack(), Template: suiteDir + "/create-ep-a.yaml", Parameters: suiteDir + "/create-ep-a.json", ImageParameter: "ImageUri", URLOutput: "EndpointUrl", Protected: true},
		{Name: "ep-b", Template: suiteDir + "/add-ep-b.yaml", Parameters: suiteDir + "/add-ep-b.json", ImageParameter: "ImageUri", URLOutput: "EndpointUrl",
			Preview: &previewEnv{Stack: "ep-b-pr-{pr}", Host: "pr-{pr}." + p.previewDomain(own["add-ep-b"]), PriorityParameter: "ListenerRulePriority", HostParameter: "HostHeaderApi"}},
	}
	p.report().Found = append(p.report().Found, fmt.Sprintf("the suite's templates go to %s/ (create-ep-a.yaml: shared infrastructure and endpoint A; add-ep-b.yaml: endpoint B and its previews)", suiteDir))
	p.defaults(p.repo.templates)
	return nil
}

// suiteStack names A's stack. Beside a stack the buildspec deployed from
// the original templates it takes a new name: updating that stack to the
// suite's template would replace its resources, so the original keeps
// serving until the switch (docs/migration.md).
func (p *plan) suiteStack() string {
	orig := p.stacks[suiteDir+"/create-ep-a.yaml"]
	if orig == "" {
		return "ecs-mlops-ep-a"
	}
	name := orig + "-suite"
	p.report().Replaced = append(p.report().Replaced, fmt.Sprintf("stack %s (the original templates) is not updated in place: the suite's ep-a is the new stack %s beside it; switch DNS to it, then delete %s (docs/migration.md)", orig, name, orig))
	return name
}

func (p *plan) previewDomain(b *cfn.ParamFile) string {
	t := &tplFile{Values: b}
	return strings.TrimPrefix(previewDomain(t), "pr-{pr}.")
}

// mergeValues sets the suite's parameter file's values from the
// repository's file of the same name, and reports each value it drops.
func (p *plan) mergeValues(stem string, suite []byte, own *cfn.ParamFile, projectA string) ([]byte, error) {
	var entries []entry
	if err := json.Unmarshal(suite, &entries); err != nil {
		return nil, fmt.Errorf("read the suite's %s.json: %w", stem, err)
	}
	if stem == "create-ep-a" && p.weights.fromCron {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(p.weights.Source, "s3://"), "/")
		setEntry(&entries, "WeightsSourceBucket", bucket)
		setEntry(&entries, "WeightsSourcePrefix", prefix)
	}
	// image.repository and the template's repository name are one.
	for _, e := range entries {
		if e.ParameterKey == "ImageRepositoryName" {
			setEntry(&entries, e.ParameterKey, p.image.Repository)
		}
	}
	if own == nil {
		return marshalEntries(entries)
	}
	tplData, err := cftemplates.Endpoint(stem + ".yaml")
	if err != nil {
		return nil, err
	}
	tpl, err := cfntemplate.Parse(stem+".yaml", tplData)
	if err != nil {
		return nil, err
	}
	params := keys(tpl.Doc["Parameters"])
	rep := p.report()
	for _, k := range sortedKeys(own.Values) {
		v := own.Values[k]
		switch {
		case replacedBy[k] != "" && (stem == "add-ep-b" || !previewOnly[k]):
			rep.Replaced = append(rep.Replaced, fmt.Sprintf("%s: %s=%q is dropped; replaced by %s", own.Path, k, v, replacedBy[k]))
			continue
		case k == "DesiredCount" && strings.TrimSpace(v) == "0":
			rep.Dropped = append(rep.Dropped, fmt.Sprintf("%s: DesiredCount=0, the first-run workaround (no image in the repository yet), is dropped: mlops bootstrap creates the image repository and mlops build pushes before the first deploy, so the service starts with the suite's DesiredCount of 1", own.Path))
			continue
		case k == "ProjectName" && stem == "add-ep-b" && projectA != "" && v != projectA:
			rep.Replaced = append(rep.Replaced, fmt.Sprintf("%s: ProjectName=%q would import names no stack exports; set to %q, endpoint A's, whose exports endpoint B joins", own.Path, v, projectA))
			v = projectA
		case !slices.Contains(params, k):
			rep.Dropped = append(rep.Dropped, fmt.Sprintf("%s: %s=%q is dropped: %s.yaml has no such parameter", own.Path, k, v, stem))
			continue
		}
		setEntry(&entries, k, v)
		rep.Mapped = append(rep.Mapped, fmt.Sprintf("%s: %s=%q kept in the suite's %s/%s.json", own.Path, k, v, suiteDir, stem))
	}
	return marshalEntries(entries)
}

// entry is one parameter of a file in the AWS CLI form.
type entry struct{ ParameterKey, ParameterValue string }

func setEntry(entries *[]entry, k, v string) {
	for i := range *entries {
		if (*entries)[i].ParameterKey == k {
			(*entries)[i].ParameterValue = v
			return
		}
	}
	*entries = append(*entries, entry{k, v})
}

func marshalEntries(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// suiteWeights configures the weight sync from the cron sync found, else
// from the suite's parameter file.
func (p *plan) suiteWeights() {
	w := &weightsConfig{Target: "/mnt/weights", Environment: "ep-a"}
	if len(p.repo.syncs) > 0 {
		s := p.repo.syncs[0]
		w.Source, w.fromCron = strings.TrimSuffix(s.Source, "/"), true
		p.report().Replaced = append(p.report().Replaced, fmt.Sprintf("%s:%d: the cron's aws s3 sync %s %s is replaced by the sync-weights workflow (mlops sync-weights --remote: a one-off ECS task copies %s onto the EFS volume, verified, and switches it in atomically; no bastion)", s.File, s.Line, s.Source, s.Target, w.Source))
		p.r.Report.Next = append(p.r.Report.Next, fmt.Sprintf("remove the cron entry in %s (and the bastion, if it has no other use) once the sync-weights workflow has run", s.File))
	}
	if w.Source == "" {
		w.Source = "s3://ecs-mlops-weights-123456789012/endpoint"
		p.report().Next = append(p.report().Next, "weights.source in .github/mlops.yml and WeightsSourceBucket/WeightsSourcePrefix in cf_templates/create-ep-a.json: name the bucket and prefix of the model weights")
	}
	p.weights = w
}
