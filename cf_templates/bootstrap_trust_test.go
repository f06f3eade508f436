package cftemplates

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

// trustProblems checks every role's trust policy: GitHub's issuer only,
// aud exactly sts.amazonaws.com, sub exact (no wildcard, no StringLike, no
// ForAllValues/ForAnyValue set operators). It returns the subs per role.
func trustProblems(m map[string]any) ([]string, map[string][]string) {
	var ps []string
	subs := map[string][]string{}
	rs := resources(m)
	for _, name := range slices.Sorted(maps.Keys(rs)) {
		if rs[name]["Type"] != "AWS::IAM::Role" {
			continue
		}
		doc, _ := props(rs[name])["AssumeRolePolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		if len(stmts) == 0 {
			ps = append(ps, name+": no trust statement")
		}
		for _, s := range stmts {
			st, _ := s.(map[string]any)
			if st["Action"] != "sts:AssumeRoleWithWebIdentity" || st["Effect"] != "Allow" {
				ps = append(ps, name+": trust statement is not Allow sts:AssumeRoleWithWebIdentity")
			}
			// A principal of another shape ("*", a service) is a
			// finding, not a panic.
			principal, ok := st["Principal"].(map[string]any)
			if !ok {
				ps = append(ps, fmt.Sprintf("%s: Principal is %v, not GitHub's OIDC provider (Federated)", name, st["Principal"]))
				continue
			}
			fed := values(principal["Federated"], nil)
			for _, f := range fed {
				if f != "<GitHubOIDCProvider>" && !strings.HasSuffix(f, ":oidc-provider/"+issuer) {
					ps = append(ps, name+": principal "+f+" is not GitHub's OIDC provider")
				}
			}
			cond, _ := st["Condition"].(map[string]any)
			for op := range cond {
				if op != "StringEquals" {
					ps = append(ps, name+": condition operator "+op+" (only StringEquals keeps aud and sub exact)")
				}
			}
			eq, _ := cond["StringEquals"].(map[string]any)
			if aud := values(eq[issuer+":aud"], nil); !cmp.Equal(aud, []string{"sts.amazonaws.com"}) {
				ps = append(ps, name+": aud condition is "+strings.Join(aud, ",")+", want sts.amazonaws.com")
			}
			sub := values(eq[issuer+":sub"], nil)
			if len(sub) == 0 {
				ps = append(ps, name+": no sub condition")
			}
			for _, s := range sub {
				if strings.ContainsAny(s, "*?") {
					ps = append(ps, name+": sub "+s+" has a wildcard")
				}
			}
			sort.Strings(sub)
			subs[name] = append(subs[name], sub...)
		}
	}
	return ps, subs
}

func TestTrustPolicies(t *testing.T) {
	t.Parallel()
	ps, subs := trustProblems(parse(t, Bootstrap()))
	if len(ps) > 0 {
		t.Errorf("bootstrap.yaml trust policies:\n%s", strings.Join(ps, "\n"))
	}
	// An exact subject given for a customized subject template, else the
	// subject of the one GitHub environment whose jobs use the role: no
	// role trusts a branch or the repository-wide pull_request subject,
	// which every workflow on that branch or every pull request gets.
	want := map[string][]string{
		"DeployRole":  {"<DeploySubject>", "repo:<GitHubRepository>:environment:<DeployEnvironment>"},
		"PreviewRole": {"<PreviewSubjects>", "repo:<GitHubRepository>:environment:<PreviewEnvironment>", "repo:<GitHubRepository>:environment:<PreviewGCEnvironment>"},
		"WeightsRole": {"<WeightsSubject>", "repo:<GitHubRepository>:environment:<WeightsEnvironment>"},
	}
	if diff := cmp.Diff(want, subs); diff != "" {
		t.Errorf("sub conditions (-want +got):\n%s", diff)
	}
}

func TestTrustCheckCatchesLooseTrust(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, old, new, want string }{
		{"wildcard environment", "environment:${DeployEnvironment}", "environment:*", "DeployRole: sub repo:<GitHubRepository>:environment:* has a wildcard"},
		{"wildcard gc environment", "environment:${PreviewGCEnvironment}", "environment:*", "PreviewRole: sub repo:<GitHubRepository>:environment:* has a wildcard"},
		{"StringLike", "              StringEquals:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n                token.actions.githubusercontent.com:sub: !If\n                  - HasPreviewSubjects",
			"              StringLike:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n                token.actions.githubusercontent.com:sub: !If\n                  - HasPreviewSubjects", "condition operator StringLike"},
		{"ForAllValues", "              StringEquals:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n                token.actions.githubusercontent.com:sub: !If\n                  - HasPreviewSubjects",
			"              ForAllValues:StringEquals:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n                token.actions.githubusercontent.com:sub: !If\n                  - HasPreviewSubjects", "condition operator ForAllValues:StringEquals"},
		{"wrong audience", "token.actions.githubusercontent.com:aud: sts.amazonaws.com\n                token.actions.githubusercontent.com:sub: !If\n                  - HasPreviewSubjects",
			"token.actions.githubusercontent.com:aud: sigstore\n                token.actions.githubusercontent.com:sub: !If\n                  - HasPreviewSubjects", "aud condition is sigstore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(Bootstrap(), tc.old) {
				t.Fatalf("template no longer contains %q; update the test", tc.old)
			}
			ps, _ := trustProblems(parse(t, strings.Replace(Bootstrap(), tc.old, tc.new, 1)))
			if !strings.Contains(strings.Join(ps, "\n"), tc.want) {
				t.Errorf("problems %q do not report %q", ps, tc.want)
			}
		})
	}
}

func TestParametersRefuseWildcards(t *testing.T) {
	t.Parallel()
	m := parse(t, Bootstrap())
	ps := digMap(t, m, "Parameters")
	for _, tc := range []struct{ param, good, bad string }{
		{"GitHubRepository", "acme/models", "acme/*"},
		{"DefaultBranch", "main", "release/*"},
		{"DeployEnvironment", "production", "prod*"},
		{"DeploySubject", "repository_owner_id:123:repository_id:456:ref:refs/heads/main", "repository_owner_id:123:*"},
		{"PreviewSubjects", "repo:acme/models:pull_request,repo:acme/models:ref:refs/heads/main", "repo:acme/models:pull_request,repo:acme/*"},
		{"WeightsSubject", "repo:acme/models:environment:prod", "repo:acme/models:environment:pro?"},
	} {
		re := regexp.MustCompile(digString(t, ps, tc.param, "AllowedPattern"))
		if !re.MatchString(tc.good) || re.MatchString(tc.bad) {
			t.Errorf("%s AllowedPattern %s: %q allowed=%v, %q allowed=%v", tc.param, re, tc.good, re.MatchString(tc.good), tc.bad, re.MatchString(tc.bad))
		}
	}
}

func readWorkflow(t *testing.T, name string) workflowFile {
	t.Helper()
	data, err := os.ReadFile("../.github/workflows/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflowFile
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return wf
}

// jobEnvironment is the environment a job names with the workflow's
// default inputs: sync-weights.yml names ${{ inputs.environment }}-weights.
func jobEnvironment(env any) string {
	if m, ok := env.(map[string]any); ok {
		env = m["name"]
	}
	s, _ := env.(string)
	return strings.ReplaceAll(s, "${{ inputs.environment }}", "ep-a")
}

// TestEachRoleTrustsExactlyItsJobs: each job that assumes a role names
// the GitHub environment whose subject that role, and only that role,
// trusts; a job that can mint a token but names no environment presents a
// subject (ref or pull_request) that no role trusts.
func TestEachRoleTrustsExactlyItsJobs(t *testing.T) {
	t.Parallel()
	m := parse(t, Bootstrap())
	d := defaults(m)
	_, subs := trustProblems(m)
	trusted := map[string]string{} // environment → role
	for role, ss := range subs {
		for _, s := range ss {
			env, ok := strings.CutPrefix(s, "repo:<GitHubRepository>:environment:<")
			if !ok {
				if !strings.HasSuffix(s, "Subject>") && !strings.HasSuffix(s, "Subjects>") {
					t.Errorf("%s trusts %s, a subject every job of a branch or pull request presents", role, s)
				}
				continue
			}
			name := d[strings.TrimSuffix(env, ">")]
			if other, dup := trusted[name]; dup {
				t.Errorf("environment %s opens both %s and %s", name, other, role)
			}
			trusted[name] = role
		}
	}
	seen := map[string]bool{}
	for _, jr := range jobRoles {
		wf := readWorkflow(t, jr.workflow)
		j, ok := wf.Jobs[jr.job]
		if !ok {
			t.Errorf("%s: no job %s; update jobRoles and docs/credentials.md", jr.workflow, jr.job)
			continue
		}
		seen[jr.workflow+" "+jr.job] = true
		env := jobEnvironment(j.Environment)
		if env != d[jr.envParam] {
			t.Errorf("%s job %s names environment %q; %s trusts %s = %q", jr.workflow, jr.job, env, jr.role, jr.envParam, d[jr.envParam])
		}
		if trusted[env] != jr.role {
			t.Errorf("%s job %s: environment %q opens %q, want %s", jr.workflow, jr.job, env, trusted[env], jr.role)
		}
		for _, st := range j.Steps {
			if r := roleOfAction[st.Uses]; r != "" && r != jr.role {
				t.Errorf("%s job %s runs %s, which assumes %s, but its environment opens %s", jr.workflow, jr.job, st.Uses, r, jr.role)
			}
		}
	}
	entries, err := os.ReadDir("../.github/workflows")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		wf := readWorkflow(t, e.Name())
		for name, j := range wf.Jobs {
			if j.Permissions["id-token"] == "write" && !seen[e.Name()+" "+name] {
				t.Errorf("%s job %s may mint an OIDC token but is not in jobRoles; add it (and to docs/credentials.md) or drop id-token: write", e.Name(), name)
			}
		}
	}
}

// TestCustomSubjectsReplaceDefaults: under a customized OIDC subject
// template, the exact subjects given replace GitHub's default forms (they
// are not trusted beside them), and only when given.
func TestCustomSubjectsReplaceDefaults(t *testing.T) {
	t.Parallel()
	m := parse(t, Bootstrap())
	conds, _ := m["Conditions"].(map[string]any)
	for role, param := range map[string]string{"DeployRole": "DeploySubject", "PreviewRole": "PreviewSubjects", "WeightsRole": "WeightsSubject"} {
		doc, _ := props(resources(m)[role])["AssumeRolePolicyDocument"].(map[string]any)
		sub := dig(t, doc, "Statement", 0, "Condition", "StringEquals", issuer+":sub")
		subIf, _ := sub.(map[string]any)
		ifArgs, ok := subIf["Fn::If"].([]any)
		if !ok || len(ifArgs) != 3 {
			t.Errorf("%s: sub is %v, want Fn::If [Has%s, the parameter, the default]", role, sub, param)
			continue
		}
		cond, _ := ifArgs[0].(string)
		if got := values(ifArgs[1], nil); !slices.Equal(got, []string{"<" + param + ">"}) {
			t.Errorf("%s: subject when %s holds = %v, want only %s", role, cond, got, param)
		}
		want := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": param}, ""}}}}
		if diff := cmp.Diff(want, conds[cond]); diff != "" {
			t.Errorf("%s: condition %s (-want +got):\n%s", role, cond, diff)
		}
	}
}
