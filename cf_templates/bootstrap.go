// Package cftemplates carries the suite's own CloudFormation templates
// inside the mlops binary, so `mlops bootstrap` works from any directory.
package cftemplates

import _ "embed"

//go:embed bootstrap.yaml
var bootstrap string

// Bootstrap returns bootstrap.yaml: the GitHub OIDC provider, the deploy,
// preview and weights roles, the image repository and the artifact bucket.
func Bootstrap() string { return bootstrap }
