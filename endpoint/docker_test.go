package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerContextHoldsTheBuild checks, without a Docker engine, that every
// source and embedded file the image's two builds need survives
// endpoint/Dockerfile.dockerignore: Go packages of this module that the
// endpoint and mlops import must lie under an included path, and no file
// they embed may be excluded.
func TestDockerContextHoldsTheBuild(t *testing.T) {
	t.Parallel()
	include, exclude := readDockerignore(t, "Dockerfile.dockerignore")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}|{{join .GoFiles \",\"}}|{{join .EmbedFiles \",\"}}{{end}}{{end}}", ".", "./endpoint")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dir, rest, _ := strings.Cut(line, "|")
		goFiles, embeds, _ := strings.Cut(rest, "|")
		rel, _ := filepath.Rel(root, dir)
		for _, f := range append(strings.Split(goFiles, ","), strings.Split(embeds, ",")...) {
			if f == "" {
				continue
			}
			p := filepath.ToSlash(filepath.Join(rel, f))
			if !inContext(p, include, exclude) {
				t.Errorf("%s is needed by the image's build but endpoint/Dockerfile.dockerignore leaves it out", p)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d files; the go list query is wrong", checked)
	}
}

func readDockerignore(t *testing.T, path string) (include, exclude []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || line == "*":
		case strings.HasPrefix(line, "!"):
			include = append(include, strings.TrimPrefix(line, "!"))
		default:
			exclude = append(exclude, line)
		}
	}
	return include, exclude
}

// inContext applies the patterns this file uses: a leading * that
// excludes everything, !path and !dir/ includes, **/name and dir/ excludes.
func inContext(p string, include, exclude []string) bool {
	in := false
	for _, inc := range include {
		if p == inc || (strings.HasSuffix(inc, "/") && strings.HasPrefix(p, inc)) {
			in = true
		}
	}
	for _, ex := range exclude {
		name := strings.TrimSuffix(strings.TrimPrefix(ex, "**/"), "/")
		switch {
		case strings.HasPrefix(ex, "**/") && strings.Contains(name, "*"):
			if ok, _ := filepath.Match(name, filepath.Base(p)); ok {
				in = false
			}
		case strings.HasPrefix(ex, "**/"):
			if strings.Contains("/"+p, "/"+name+"/") {
				in = false
			}
		case strings.HasSuffix(ex, "/") && strings.HasPrefix(p, ex):
			in = false
		}
	}
	return in
}
