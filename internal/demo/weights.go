package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

// syncWeights publishes a new model version to the weights source, plays
// the manual run of the sync-weights workflow — mlops sync-weights --remote,
// which runs the sync as a one-off ECS task that mounts the environment's
// volume — and checks that endpoint A serves the new version.
func (d *Demo) syncWeights(ctx context.Context) error {
	t, err := d.load("workflow_dispatch", dispatchEvent)
	if err != nil {
		return err
	}
	src, err := weights.ParseSource(d.ws.cfg.Weights.Source)
	if err != nil {
		return err
	}
	env := d.ws.cfg.Weights.Environment // the workflow's environment input defaults to it
	d.scene("new weights in %s, then a manual run (%s) → workflow sync-weights for %s", src, dispatchEvent, env)
	if err := d.publish(ctx, src); err != nil {
		return err
	}
	d.weightsTask(ctx, d.res.Stacks[d.ws.cfg.Environments[env].Stack])
	j := d.newJob("sync-weights", "sync weights to "+env, t)
	defer j.end()
	inputs := map[string]string{"INPUT_REMOTE": "true", "INPUT_ENV": env, "INPUT_SOURCE": "", "INPUT_DRY_RUN": "false"}
	if _, err := j.run(ctx, "Sync weights (actions/sync-weights)", inputs, "sync-weights"); err != nil {
		return err
	}
	for _, in := range d.world.acct.ECS.RunInputs() {
		d.res.WeightsTask = in.Overrides.ContainerOverrides[0].Command
	}
	if d.res.WeightsVersion, err = currentVersion(d.ws.efs); err != nil {
		return err
	}
	if d.res.EndpointWeights, err = d.awaitWeights(ctx, d.ep.URL, d.res.WeightsVersion); err != nil {
		return err
	}
	d.printf("    the volume's current version is %s; endpoint %s reports %s\n", d.res.WeightsVersion, d.ep.URL, d.res.EndpointWeights)
	cases, err := d.versionCases(d.res.WeightsVersion)
	if err != nil {
		return err
	}
	_, err = j.run(ctx, "Test the endpoint serves the new weights", map[string]string{"MLOPS_ENV": env}, "test", "--env", env, "--cases", cases)
	return err
}

// currentVersion is the version the volume's current link points at.
func currentVersion(volume string) (string, error) {
	target, err := os.Readlink(filepath.Join(volume, "current"))
	if err != nil {
		return "", fmt.Errorf("weights volume %s: %w", volume, err)
	}
	return filepath.Base(target), nil
}

// publish uploads the new model version, as a training job would, with
// SHA-256 checksums S3 keeps and the sync verifies.
func (d *Demo) publish(ctx context.Context, src weights.Source) error {
	return fs.WalkDir(files, newWeights, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		rel := p[len(newWeights)+1:]
		key := path.Join(src.Prefix, rel)
		sum := sha256.Sum256(data)
		if _, err := d.world.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(src.Bucket), Key: aws.String(key),
			Body: bytesReader(data), ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:]))}); err != nil {
			return fmt.Errorf("upload s3://%s/%s: %w", src.Bucket, key, err)
		}
		d.printf("  ▸ uploaded s3://%s/%s (%d bytes)\n", src.Bucket, key, len(data))
		return nil
	})
}

// awaitWeights polls the endpoint's /api/v1/version on the wall clock
// until it serves version (it checks its current link every 50 ms).
func (d *Demo) awaitWeights(ctx context.Context, base, version string) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	last := ""
	for {
		v, err := servedVersion(ctx, base)
		if err == nil {
			last = v
		}
		if last == version {
			return last, nil
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("endpoint %s still serves weights %q 10s after the sync switched to %q (last error: %v)", base, last, version, err)
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func servedVersion(ctx context.Context, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/version", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var v struct {
		Weights *struct {
			Version string `json:"version"`
		} `json:"weights"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "", fmt.Errorf("GET %s/api/v1/version: %w", base, err)
	}
	if v.Weights == nil {
		return "", nil
	}
	return v.Weights.Version, nil
}

// versionCases writes an endpoint case file that expects version.
func (d *Demo) versionCases(version string) (string, error) {
	p := filepath.Join(d.ws.dir, "weights-version.yaml")
	body := fmt.Sprintf(`# The check the demo adds after a weight sync.
ready:
  path: /ping
  timeout: 30s
cases:
  - name: the endpoint serves the synced weights
    path: /api/v1/version
    expect:
      status: 200
      json:
        - path: $.status
          equals: ready
        - path: $.weights.version
          equals: %q
`, version)
	return p, os.WriteFile(p, []byte(body), 0o644)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
