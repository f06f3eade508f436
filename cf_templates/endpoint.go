package cftemplates

import "embed"

// The endpoint templates and their parameter files, which mlops init
// writes into a repository that has none of its own.
//
//go:embed create-ep-a.yaml create-ep-a.json add-ep-b.yaml add-ep-b.json
var endpoint embed.FS

// EndpointFiles are the file names of the endpoint templates (A's shared
// infrastructure and endpoint, B and its previews) and parameter files.
func EndpointFiles() []string {
	return []string{"create-ep-a.yaml", "create-ep-a.json", "add-ep-b.yaml", "add-ep-b.json"}
}

// Endpoint returns one of EndpointFiles.
func Endpoint(name string) ([]byte, error) { return endpoint.ReadFile(name) }
