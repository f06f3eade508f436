package doctor

import "testing"

func TestParseECRImage(t *testing.T) {
	t.Parallel()
	tests := map[string]ecrImage{
		"1.dkr.ecr.eu-west-1.amazonaws.com/a/b@sha256:ff": {registry: "1", repository: "a/b", digest: "sha256:ff"},
		"1.dkr.ecr.eu-west-1.amazonaws.com/a:pr-3-abc":    {registry: "1", repository: "a", tag: "pr-3-abc"},
		"1.dkr.ecr.eu-west-1.amazonaws.com/a":             {registry: "1", repository: "a", tag: "latest"},
	}
	for in, want := range tests {
		got, ok := parseECRImage(in)
		if !ok || got != want {
			t.Errorf("parseECRImage(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	if _, ok := parseECRImage("docker.io/library/nginx:1"); ok {
		t.Errorf("parseECRImage accepted an image outside ECR")
	}
}
