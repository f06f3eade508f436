package stack

import (
	"errors"
	"fmt"
	"os"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// ReadTemplate reads and parses the template at path, and checks its
// Fn::GetAtt attributes (CheckAttributes).
func ReadTemplate(path string) (*cfn.Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: template not found; fix the environment's template key in the config (paths are relative to the repository root)", path)
		}
		return nil, fmt.Errorf("read template %s: %w", path, err)
	}
	t, err := cfn.ParseTemplate(path, data)
	if err != nil {
		return nil, err
	}
	if err := t.CheckAttributes(); err != nil {
		return nil, err
	}
	return t, nil
}
