package stack

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// DefaultTimeout bounds a deploy's stack operation; after it an update is
// cancelled rather than left for ECS to hold for hours.
const DefaultTimeout = 30 * time.Minute

// Deployer runs change-set deploys. CFN and Clock are required; S3 and
// Bucket are needed only for templates over MaxTemplateBody; Verifier,
// when set, checks the ECS rollout after the stack completes.
type Deployer struct {
	CFN      CloudFormationAPI
	S3       UploaderAPI
	Bucket   string // artifact bucket for large templates
	Prefix   string // key prefix inside Bucket
	Region   string // for the template URL
	Clock    clock.Clock
	Report   Reporter
	Verifier Verifier
}

// Request is one deploy or plan of a stack.
type Request struct {
	Stack        string
	Template     *cfn.Template
	Params       *Params
	Tags         map[string]string // added to Params.Tags; mlops:environment and mlops:commit belong here
	Protect      bool              // enable termination protection (production)
	AllowReplace bool              // permit replacing or deleting stateful resources
	Timeout      time.Duration     // 0 means DefaultTimeout
	Commit       string            // used in the change set name
	Command      string            // how the user reruns this, named in hints; "" means DefaultCommand
}

// Result is what a deploy or plan did, filled in as far as it got.
type Result struct {
	Stack         string
	StackID       string
	Status        string // final stack status
	ChangeSet     string // change set name
	ChangeSetType string // CREATE or UPDATE
	Changes       []Change
	NoChanges     bool
	Outputs       []Output
	Events        []Event
	Recovered     []string // what was done to the stack first (deleted a failed create ...)
	// ExportsInUse are exports the change set would change or remove
	// while other stacks import them (deploy refuses to execute it).
	ExportsInUse []ExportInUse
	Elapsed      time.Duration
}

// OutputMap returns the outputs as a map.
func (r *Result) OutputMap() map[string]string {
	m := map[string]string{}
	for _, o := range r.Outputs {
		m[o.Key] = o.Value
	}
	return m
}

// Output is one stack output.
type Output struct {
	Key, Value, Description string
}

// Deploy validates nothing itself (Resolve did that offline); it brings the
// stack into a deployable state, creates a change set, refuses stateful
// replacements, executes it, streams events until the stack settles, checks
// the rollout and returns the outputs. A change set without changes is a
// success that writes nothing else.
func (d *Deployer) Deploy(ctx context.Context, req Request) (*Result, error) {
	start := d.Clock.Now()
	res := &Result{Stack: req.Stack}
	defer func() { res.Elapsed = d.Clock.Now().Sub(start) }()
	deadline := start.Add(req.timeout())

	end := d.report().Phase("Prepare stack " + req.Stack)
	st, err := d.prepare(ctx, req, res, deadline)
	end()
	if err != nil {
		return res, err
	}
	end = d.report().Phase("Change set")
	cs, err := d.changeSet(ctx, req, st, res)
	end()
	if err != nil || res.NoChanges {
		if res.NoChanges {
			return res, d.finishNoChanges(req, st, res)
		}
		return res, err
	}
	if err := d.refuseExportsInUse(ctx, req, st, cs, res); err != nil {
		return res, err
	}
	if err := d.refuseStateful(ctx, req, cs, res); err != nil {
		return res, err
	}
	end = d.report().Phase("Deploy " + req.Stack)
	target, err := d.execute(ctx, req, cs, res, deadline)
	end()
	if err != nil {
		return res, err
	}
	return res, d.finish(ctx, req, res, target)
}

// finishNoChanges ends a deploy whose change set was empty: a success
// only when the stack is healthy, since an unchanged template does not
// repair a stack left in CREATE_FAILED or UPDATE_ROLLBACK_FAILED.
func (d *Deployer) finishNoChanges(req Request, st *types.Stack, res *Result) error {
	res.Outputs = outputs(st)
	res.Status = string(st.StackStatus)
	res.StackID = aws.ToString(st.StackId)
	if !IsHealthy(st.StackStatus) {
		return unhealthyNoop(req, st)
	}
	d.report().Printf("no changes: stack %s is up to date (%s); the empty change set was deleted", req.Stack, st.StackStatus)
	if req.Protect && !aws.ToBool(st.EnableTerminationProtection) {
		d.report().Printf("warning: termination protection is off for %s; the next deploy with changes turns it on", req.Stack)
	}
	return nil
}

func (r Request) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

// allTags merges file tags with the request's, sorted by key for a stable call.
func (r Request) allTags() []types.Tag {
	m := map[string]string{}
	if r.Params != nil {
		for k, v := range r.Params.Tags {
			m[k] = v
		}
	}
	for k, v := range r.Tags {
		m[k] = v
	}
	tags := make([]types.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return tags
}

func (r Request) parameters() []types.Parameter {
	if r.Params == nil {
		return nil
	}
	ps := make([]types.Parameter, 0, len(r.Params.Values))
	for _, k := range r.Params.Keys() {
		ps = append(ps, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(r.Params.Values[k])})
	}
	return ps
}

// templateSource returns the inline body, or uploads a large template to
// the artifact bucket and returns its URL.
func (d *Deployer) templateSource(ctx context.Context, req Request) (body, url *string, err error) {
	t := req.Template
	if len(t.Body) <= cfn.MaxTemplateBody {
		return aws.String(string(t.Body)), nil, nil
	}
	if d.S3 == nil || d.Bucket == "" {
		return nil, nil, fmt.Errorf("template %s is %d bytes, over CloudFormation's inline limit of %d; set artifacts.bucket in the config so it can be uploaded", t.Path, len(t.Body), cfn.MaxTemplateBody)
	}
	sum := sha256.Sum256(t.Body)
	key := strings.TrimPrefix(strings.TrimSuffix(d.Prefix, "/")+"/"+req.Stack+"/"+hex.EncodeToString(sum[:])+templateExt(t.Path), "/")
	// S3 refuses the upload (BadDigest) when the bytes it received do not
	// have this SHA-256, and keeps the checksum with the object.
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
	checksum := base64.StdEncoding.EncodeToString(sum[:])
	_, err = d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String(key), Body: strings.NewReader(string(t.Body)),
		ContentLength: aws.Int64(int64(len(t.Body))), ChecksumSHA256: aws.String(checksum)})
	if err != nil {
		return nil, nil, fmt.Errorf("upload template %s to s3://%s/%s: %w", t.Path, d.Bucket, key, err)
	}
	if err := d.verifyUpload(ctx, key, checksum); err != nil {
		return nil, nil, err
	}
	d.report().Printf("template is %d bytes (over %d): uploaded to s3://%s/%s", len(t.Body), cfn.MaxTemplateBody, d.Bucket, key)
	return nil, aws.String(cfn.TemplateURL(d.Bucket, d.Region, key)), nil
}

// verifyUpload checks that the object CloudFormation will read is the
// template that was uploaded: its key names the template's SHA-256, and
// whoever else could write the key (a preview role scoped too widely)
// would have to replace it between the upload and this check.
func (d *Deployer) verifyUpload(ctx context.Context, key, checksum string) error {
	head, err := d.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		return fmt.Errorf("verify template s3://%s/%s: %w", d.Bucket, key, err)
	}
	if got := aws.ToString(head.ChecksumSHA256); got != checksum {
		return fault.WithHint(fmt.Errorf("template s3://%s/%s is not the one uploaded: its SHA-256 is %q, want %q", d.Bucket, key, got, checksum),
			"something else writes this key of the artifact bucket; nothing was deployed. Check who may write it (docs/credentials.md: only the deploy role writes <prefix>/<stack>/)")
	}
	return nil
}

func templateExt(path string) string {
	if strings.HasSuffix(path, ".json") {
		return ".json"
	}
	return ".yaml"
}

func (d *Deployer) describe(ctx context.Context, name string) (*types.Stack, error) {
	out, err := d.CFN.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if cfn.StackMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe stack %q: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

func outputs(st *types.Stack) []Output {
	if st == nil {
		return nil
	}
	out := make([]Output, 0, len(st.Outputs))
	for _, o := range st.Outputs {
		out = append(out, Output{Key: aws.ToString(o.OutputKey), Value: aws.ToString(o.OutputValue), Description: aws.ToString(o.Description)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (d *Deployer) report() Reporter {
	if d.Report == nil {
		return discard{}
	}
	return d.Report
}

// Reporter receives the engine's progress: phases (log groups in Actions)
// and lines (events, notes).
type Reporter interface {
	Phase(title string) (end func())
	Printf(format string, args ...any)
}

type discard struct{}

func (discard) Phase(string) func()   { return func() {} }
func (discard) Printf(string, ...any) {}
