package awsfake

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ContainerImage is what the ECS fake's registry knows of a container image: the
// executables it holds and its ENTRYPOINT and CMD. A one-off task whose
// image is not in the registry, or whose command's executable is not in
// the image, stops before its container runs, with ECS's reason.
type ContainerImage struct {
	Files      []string // absolute paths of the executables in the image, e.g. /mlops
	Entrypoint []string
	Cmd        []string
}

// AddImage puts img into the registry under ref, the reference a task
// definition names (repository:tag or repository@sha256:digest).
func (e *ECS) AddImage(ref string, img ContainerImage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.images[ref] = img
}

// defaultPath is the PATH of images that set none; runc looks a bare
// command name up in it.
var defaultPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// argv is the process a container starts, merged as Docker merges a
// container's config with its image's: an ENTRYPOINT in the container
// definition replaces the image's and drops the image's CMD; the command
// (the RunTask override, else the container definition's) replaces CMD.
// ECS overrides can change the command only, never the entry point.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
// https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact
func argv(img ContainerImage, c ecstypes.ContainerDefinition, command []string) []string {
	if len(c.EntryPoint) > 0 {
		return append(slices.Clone(c.EntryPoint), command...)
	}
	if len(command) == 0 {
		command = img.Cmd
	}
	return append(slices.Clone(img.Entrypoint), command...)
}

// startFailure is the reason a task's container cannot start, or "": its
// image is not in the registry (CannotPullContainerError, as Fargate
// reports a reference the registry does not have), or the executable of
// its process is not in the image (CannotStartContainerError carrying
// runc's error). Fargate wraps runc's error in ResourceInitializationError;
// the EC2 launch type reports the Docker daemon's answer.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cannot-pull-image.html
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cannot-start-container.html
// Shapes as ECS prints them: aws/containers-roadmap#2687 (pull),
// aws/amazon-ecs-agent#2954 and #3526 (Fargate start), moby's daemon answer
// for the EC2 launch type.
func (e *ECS) startFailure(in *ecs.RunTaskInput, c ecstypes.ContainerDefinition, command []string) string {
	ref := aws.ToString(c.Image)
	img, ok := e.images[ref]
	if !ok {
		return fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref %s: %s: not found", ref, ref)
	}
	args := argv(img, c, command)
	name := ""
	if len(args) > 0 {
		name = args[0]
	}
	if execErr := lookExec(img, name); execErr != "" {
		if in.LaunchType == ecstypes.LaunchTypeEc2 {
			return "CannotStartContainerError: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: " + execErr
		}
		return "CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: " + execErr
	}
	return ""
}

// lookExec is runc's error for an executable the image lacks, or "".
func lookExec(img ContainerImage, name string) string {
	if strings.Contains(name, "/") {
		p := name
		if !path.IsAbs(p) {
			p = path.Join("/", p)
		}
		if slices.Contains(img.Files, p) {
			return ""
		}
		return fmt.Sprintf("exec: %q: stat %s: no such file or directory: unknown", name, name)
	}
	for _, dir := range defaultPath {
		if name != "" && slices.Contains(img.Files, dir+"/"+name) {
			return ""
		}
	}
	return fmt.Sprintf("exec: %q: executable file not found in $PATH: unknown", name)
}
