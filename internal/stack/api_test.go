package stack_test

import (
	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// The account's CloudFormation, as itself and as a role sees it, and its
// template bucket are what the engine's tests deploy through.
var (
	_ stack.CloudFormationAPI = (*awsfake.CloudFormation)(nil)
	_ stack.CloudFormationAPI = (*awsfake.GatedCloudFormation)(nil)
	_ stack.UploaderAPI       = (*awsfake.TemplateBucket)(nil)
)
