package awsfake

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// DefaultRegistry is the registry host of the ECR fake in DefaultAccount
// and DefaultRegion.
const DefaultRegistry = DefaultAccount + ".dkr.ecr." + DefaultRegion + ".amazonaws.com"

// ECRPassword is the registry password inside the ECR fake's authorization
// token.
const ECRPassword = "eyJwYXlsb2FkIjoiRkFLRUVDUlBBU1NXT1JEIiwiZGF0YWtleSI6ImZha2UifQ=="

// Repo is a repository in the ECR fake.
type Repo struct {
	Name       string
	Mutability types.ImageTagMutability
	ScanOnPush bool
	Lifecycle  string
	Images     map[string]string // tag → digest
}

// ECR keeps repositories and images and fails like the service: a missing
// repository is RepositoryNotFoundException, a missing tag
// ImageNotFoundException.
type ECR struct {
	// ListPageSize caps a ListImages page when the caller sets no
	// MaxResults (default 100, as ECR).
	ListPageSize int

	mu              sync.Mutex
	region, account string
	repos           map[string]*Repo
	calls           []string
	fail            map[string]error
}

// NewECR returns the empty registry of account in region.
func NewECR(region, account string) *ECR {
	return &ECR{region: region, account: account, repos: map[string]*Repo{}, fail: map[string]error{}}
}

// Registry is the registry's host, <account>.dkr.ecr.<region>.amazonaws.com.
func (f *ECR) Registry() string { return f.account + ".dkr.ecr." + f.region + ".amazonaws.com" }

// AddRepo creates a repository directly (as bootstrap would have).
func (f *ECR) AddRepo(name string, mut types.ImageTagMutability) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.repos[name] = &Repo{Name: name, Mutability: mut, ScanOnPush: true, Images: map[string]string{}}
}

// RemoveRepo deletes a repository and its images directly (as someone
// deleting it in the console would).
func (f *ECR) RemoveRepo(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.repos, name)
}

// Push stores tag → digest as a docker push would. It refuses to overwrite a
// tag of an immutable repository, returning the registry's message.
func (f *ECR) Push(name, tag, digest string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.repos[name]
	if !ok {
		return fmt.Errorf("name unknown: The repository with name '%s' does not exist in the registry with id '%s'", name, f.account)
	}
	if _, taken := r.Images[tag]; taken && r.Mutability != types.ImageTagMutabilityMutable {
		return fmt.Errorf("tag invalid: The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable", tag, name)
	}
	r.Images[tag] = digest
	return nil
}

// PushTag pushes tag with a digest derived from the tag, for tests that
// care about tags only.
func (f *ECR) PushTag(name, tag string) error {
	return f.Push(name, tag, fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(name+":"+tag))))
}

// Tags returns the tags in the named repository, sorted (nil if absent).
func (f *ECR) Tags(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.repos[name]
	if !ok {
		return nil
	}
	return slices.Sorted(maps.Keys(r.Images))
}

// Repo returns a copy of the named repository, or nil.
func (f *ECR) Repo(name string) *Repo {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.repos[name]
	if !ok {
		return nil
	}
	c := *r
	c.Images = map[string]string{}
	for k, v := range r.Images {
		c.Images[k] = v
	}
	return &c
}

// FailOn makes operation op return err.
func (f *ECR) FailOn(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = err
}

// Calls returns the operations called, in order.
func (f *ECR) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *ECR) call(op string) error {
	f.calls = append(f.calls, op)
	return f.fail[op]
}

func (f *ECR) uri(name string) string { return f.Registry() + "/" + name }

func (f *ECR) notFound(name string) error {
	return apiError("RepositoryNotFoundException", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, f.account))
}

// DescribeRepositories answers as ECR.
func (f *ECR) DescribeRepositories(_ context.Context, in *ecr.DescribeRepositoriesInput, _ ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeRepositories"); err != nil {
		return nil, err
	}
	out := &ecr.DescribeRepositoriesOutput{}
	names := in.RepositoryNames
	if len(names) == 0 {
		for n := range f.repos {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	for _, n := range names {
		r, ok := f.repos[n]
		if !ok {
			return nil, f.notFound(n)
		}
		out.Repositories = append(out.Repositories, types.Repository{
			RepositoryName: aws.String(n), RepositoryUri: aws.String(f.uri(n)), RegistryId: aws.String(f.account),
			ImageTagMutability: r.Mutability,
		})
	}
	return out, nil
}

// CreateRepository answers as ECR.
func (f *ECR) CreateRepository(_ context.Context, in *ecr.CreateRepositoryInput, _ ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateRepository"); err != nil {
		return nil, err
	}
	n := aws.ToString(in.RepositoryName)
	if _, ok := f.repos[n]; ok {
		return nil, apiError("RepositoryAlreadyExistsException", fmt.Sprintf("The repository with name '%s' already exists in the registry with id '%s'", n, f.account))
	}
	mut := in.ImageTagMutability
	if mut == "" {
		mut = types.ImageTagMutabilityMutable
	}
	scan := in.ImageScanningConfiguration != nil && in.ImageScanningConfiguration.ScanOnPush
	f.repos[n] = &Repo{Name: n, Mutability: mut, ScanOnPush: scan, Images: map[string]string{}}
	return &ecr.CreateRepositoryOutput{Repository: &types.Repository{RepositoryName: aws.String(n), RepositoryUri: aws.String(f.uri(n)), ImageTagMutability: mut}}, nil
}

// SetLifecycle gives a repository a lifecycle policy directly (as
// bootstrap would have).
func (f *ECR) SetLifecycle(name, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.repos[name]; ok {
		r.Lifecycle = text
	}
}

// GetLifecyclePolicy answers as ECR; a repository without a
// policy answers LifecyclePolicyNotFoundException with ECR's message.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetLifecyclePolicy.html
func (f *ECR) GetLifecyclePolicy(_ context.Context, in *ecr.GetLifecyclePolicyInput, _ ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("GetLifecyclePolicy"); err != nil {
		return nil, err
	}
	n := aws.ToString(in.RepositoryName)
	r, ok := f.repos[n]
	if !ok {
		return nil, f.notFound(n)
	}
	if r.Lifecycle == "" {
		return nil, apiError("LifecyclePolicyNotFoundException", fmt.Sprintf("Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", n, f.account))
	}
	return &ecr.GetLifecyclePolicyOutput{RegistryId: aws.String(f.account), RepositoryName: in.RepositoryName, LifecyclePolicyText: aws.String(r.Lifecycle)}, nil
}

// PutLifecyclePolicy answers as ECR.
func (f *ECR) PutLifecyclePolicy(_ context.Context, in *ecr.PutLifecyclePolicyInput, _ ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PutLifecyclePolicy"); err != nil {
		return nil, err
	}
	n := aws.ToString(in.RepositoryName)
	r, ok := f.repos[n]
	if !ok {
		return nil, f.notFound(n)
	}
	r.Lifecycle = aws.ToString(in.LifecyclePolicyText)
	return &ecr.PutLifecyclePolicyOutput{RepositoryName: in.RepositoryName, LifecyclePolicyText: in.LifecyclePolicyText}, nil
}

// GetAuthorizationToken answers as ECR.
func (f *ECR) GetAuthorizationToken(_ context.Context, _ *ecr.GetAuthorizationTokenInput, _ ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("GetAuthorizationToken"); err != nil {
		return nil, err
	}
	tok := base64.StdEncoding.EncodeToString([]byte("AWS:" + ECRPassword))
	return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []types.AuthorizationData{{
		AuthorizationToken: aws.String(tok),
		ProxyEndpoint:      aws.String("https://" + f.Registry()),
	}}}, nil
}
