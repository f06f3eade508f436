package workflowpolicy

import (
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"
)

const checkout = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"

func TestCheckWorkflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "least privilege, pinned, env only, queued",
			yaml: `
on: {pull_request: {types: [labeled]}}
permissions: {}
concurrency: {group: preview-pr-1, cancel-in-progress: false}
jobs:
  up:
    runs-on: ubuntu-24.04
    permissions: {contents: read, id-token: write, pull-requests: write, deployments: write}
    steps:
      - uses: ` + checkout + `
      - uses: ./actions/preview
        with: {command: up}
      - env: {TITLE: "${{ github.event.pull_request.title }}"}
        run: echo "$TITLE"
`,
		},
		{
			name: "pull_request_target",
			yaml: "on: [push, pull_request_target]\npermissions: {}\njobs: {}\n",
			want: []string{"w.yml: on: pull_request_target runs with a write token and secrets on a fork's code; use pull_request"},
		},
		{
			name: "no top-level permissions",
			yaml: "on: push\njobs: {}\n",
			want: []string{"w.yml: permissions: missing; set permissions: {} (or read-only scopes) at the top and grant each job what it needs"},
		},
		{
			name: "write at the top",
			yaml: "on: push\npermissions: {contents: read, pull-requests: write}\njobs: {}\n",
			want: []string{"w.yml: permissions: pull-requests: write at the top applies to every job; grant it only to the job that needs it"},
		},
		{
			name: "write-all at the top",
			yaml: "on: push\npermissions: write-all\njobs: {}\n",
			want: []string{`w.yml: permissions: "write-all" grants write; set permissions: {} at the top and grant each job what it needs`},
		},
		{
			name: "id-token without a role",
			yaml: `
on: push
permissions: {}
jobs:
  lint:
    runs-on: ubuntu-24.04
    permissions: {contents: read, id-token: write}
    steps:
      - run: go vet ./...
`,
			want: []string{"w.yml: jobs.lint.permissions: id-token: write but no step needs it (only aws, bootstrap, build, deploy, doctor, plan, preview, sync-weights, test do); remove it"},
		},
		{
			name: "deployments and pull-requests write on a deploy job",
			yaml: `
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-24.04
    concurrency: {group: deploy-ep-a, cancel-in-progress: false}
    permissions: {id-token: write, deployments: write, pull-requests: write, contents: write}
    steps:
      - run: '"$MLOPS" deploy --env ep-a'
`,
			want: []string{
				"w.yml: jobs.deploy.permissions: contents: write is not needed by any mlops step; remove it",
				"w.yml: jobs.deploy.permissions: deployments: write but no step needs it (only preview do); remove it",
				"w.yml: jobs.deploy.permissions: pull-requests: write but no step needs it (only comment, plan, preview do); remove it",
			},
		},
		{
			name: "unpinned actions",
			yaml: `
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - name: short sha
        uses: actions/setup-go@d35c59a
      - uses: docker://alpine:3.20
  b:
    uses: octo/workflows/.github/workflows/x.yml@main
`,
			want: []string{
				`w.yml: jobs.a step 1 (actions/checkout@v4): "actions/checkout@v4" is not pinned to a full commit SHA; use actions/checkout@<40-hex sha> # vX`,
				`w.yml: jobs.a step "short sha": "actions/setup-go@d35c59a" is not pinned to a full commit SHA; use actions/setup-go@<40-hex sha> # vX`,
				`w.yml: jobs.b: reusable workflow "octo/workflows/.github/workflows/x.yml@main" is not pinned to a full commit SHA; use owner/repo/path@<40-hex sha> # vX`,
			},
		},
		{
			name: "untrusted text in run",
			yaml: `
on: pull_request
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - name: title
        run: echo "${{ github.event.pull_request.title }}"
      - name: branch
        run: git checkout ${{github.head_ref}}
      - name: reason
        run: echo ${{ steps.route.outputs.reason }}
      - name: safe
        run: echo "${{ github.run_id }} ${{ runner.temp }}"
`,
			want: []string{
				`w.yml: jobs.a step "title": run: interpolates "${{ github.event.pull_request.title }}", which can carry untrusted text into the script; pass it through env: and use "$VAR"`,
				`w.yml: jobs.a step "branch": run: interpolates "${{github.head_ref}}", which can carry untrusted text into the script; pass it through env: and use "$VAR"`,
				`w.yml: jobs.a step "reason": run: interpolates "${{ steps.route.outputs.reason }}", which can carry untrusted text into the script; pass it through env: and use "$VAR"`,
			},
		},
		{
			name: "deploy refused on bad input in CI: no role, no queue needed",
			yaml: `
on: pull_request
permissions: {contents: read}
concurrency: {group: ci, cancel-in-progress: true}
jobs:
  checks:
    runs-on: ubuntu-24.04
    steps:
      - uses: ./actions/deploy-stack
        with: {env: no-such-environment}
`,
		},
		{
			name: "deploy without concurrency",
			yaml: `
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-24.04
    permissions: {id-token: write}
    steps:
      - uses: ./
        with: {command: deploy, args: --env ep-a}
`,
			want: []string{"w.yml: jobs.deploy: runs deploy but has no concurrency group; add concurrency: {group: ..., cancel-in-progress: false}"},
		},
		{
			name: "sync that cancels",
			yaml: `
on: workflow_dispatch
permissions: {}
concurrency: {group: sync, cancel-in-progress: true}
jobs:
  sync:
    runs-on: ubuntu-24.04
    permissions: {id-token: write}
    steps:
      - uses: ./actions/sync-weights
`,
			want: []string{"w.yml: concurrency: runs sync-weights with cancel-in-progress true; set cancel-in-progress: false so a new run queues instead of cancelling one half-way"},
		},
		{
			name: "concurrency as a bare group",
			yaml: `
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-24.04
    concurrency: deploy-ep-a
    permissions: {id-token: write}
    steps:
      - run: mlops deploy --env ep-a
`,
			want: []string{"w.yml: jobs.deploy.concurrency: runs deploy; write it as a map with cancel-in-progress: false so a queued run never cancels one half-way"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, v := range CheckWorkflow("w.yml", []byte(tt.yaml)) {
				got = append(got, v.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckAction(t *testing.T) {
	t.Parallel()
	yml := `
name: x
description: x
inputs: {pr: {description: x}}
runs:
  using: composite
  steps:
    - uses: actions/cache@v4
    - shell: bash
      run: echo ${{ inputs.pr }}
    - shell: bash
      env: {PR: "${{ inputs.pr }}"}
      run: echo "$PR"
`
	var got []string
	for _, v := range CheckAction("action.yml", []byte(yml)) {
		got = append(got, v.String())
	}
	want := []string{
		`action.yml: runs step 1 (actions/cache@v4): "actions/cache@v4" is not pinned to a full commit SHA; use actions/cache@<40-hex sha> # vX`,
		`action.yml: runs step 2: run: interpolates "${{ inputs.pr }}", which can carry untrusted text into the script; pass it through env: and use "$VAR"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
}

// The actionlint test above can fail: it reports a broken workflow.
func TestActionlintCatchesErrors(t *testing.T) {
	t.Parallel()
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint("bad.yml", []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) == 0 {
		t.Error("actionlint found nothing wrong with an unknown context property")
	}
}
