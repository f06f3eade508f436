package demo

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

// labelPreview plays the label deploy-preview being added to the pull
// request through preview.yml: route, then mlops preview up (build, deploy
// the preview stack into A's infrastructure, test it, sticky comment and
// GitHub Deployment).
func (d *Demo) labelPreview(ctx context.Context) error {
	t, err := d.load("pull_request", labelEvent)
	if err != nil {
		return err
	}
	p := t.payload
	// Who labelled the PR: the payload's sender, read as mlops preview reads it.
	trig, err := preview.ReadTrigger(t.name, d.ws.event(t.file), event.Rules{})
	if err != nil {
		return err
	}
	d.scene("label %q added to pull request #%d by %s (%s) → workflow preview", p.Label.Name, p.PullRequest.Number, trig.Sender, labelEvent)
	// The repository as GitHub knows it: the PR is open, and whoever
	// labelled it may write (a label from anyone else changes nothing).
	d.world.github.AddPR(p.Repository.FullName, d.pr)
	d.world.github.SetPermission(p.Repository.FullName, trig.Sender, "admin")
	if _, err := d.routed(ctx, "preview", t, event.ActionPreviewUp); err != nil {
		return err
	}
	j := d.newJob("preview", "preview up", t)
	s, err := j.run(ctx, "Build, deploy and test the preview (actions/preview, command up)", nil, "preview", "up")
	j.end()
	if s != nil {
		d.res.PreviewImage = s.outputs["image"]
	}
	if err != nil {
		return err
	}
	if err := d.world.acct.ELB.Refused(); err != nil {
		return err
	}
	if _, err := d.recordStack(ctx, s.outputs["stack"]); err != nil {
		return err
	}
	d.recordPR(p.Repository.FullName)
	return nil
}

// unlabelPreview plays the label being removed: mlops preview down
// deletes the stack (and with it the listener rule) and the PR's images,
// marks the deployments inactive and says so in the comment.
func (d *Demo) unlabelPreview(ctx context.Context) error {
	t, err := d.load("pull_request", unlabelEvent)
	if err != nil {
		return err
	}
	p := t.payload
	d.scene("label %q removed from pull request #%d (%s) → workflow preview", p.Label.Name, p.PullRequest.Number, unlabelEvent)
	if _, err := d.routed(ctx, "preview", t, event.ActionPreviewDown); err != nil {
		return err
	}
	j := d.newJob("preview", "preview down", t)
	_, err = j.run(ctx, "Remove the preview (actions/preview, command down)", nil, "preview", "down")
	j.end()
	if err != nil {
		return err
	}
	d.recordPR(p.Repository.FullName)
	d.res.StacksLeft = d.stacksLeft(ctx)
	d.res.PreviewImagesLeft = d.previewImages()
	d.res.ListenerRules = d.world.acct.ELB.Priorities(d.res.Stacks[d.ws.cfg.BaseEnv().Stack].Outputs["PreviewHttpsListenerArn"])
	d.printf("\n  after teardown: stacks %s; images of the pull request %s; listener rule priorities %v\n",
		orNone(d.res.StacksLeft), orNone(d.res.PreviewImagesLeft), d.res.ListenerRules)
	return nil
}

// recordPR stores and prints the sticky comment as the pull request shows
// it, and the deployments with their statuses.
func (d *Demo) recordPR(repo string) {
	cs := d.world.github.Comments(repo, d.pr)
	if len(cs) == 0 {
		d.printf("\n  (no comment on pull request #%d)\n", d.pr)
	} else {
		body := cs[len(cs)-1].Body
		d.res.Comments = append(d.res.Comments, body)
		d.res.PRComments = len(cs)
		d.printf("\n  ┌─ comment on pull request #%d by %s\n", d.pr, cs[len(cs)-1].User.Login)
		d.printIndented(body, "  │ ")
		d.printf("  └─\n")
	}
	d.res.Deployments = deployments(d.world.github, repo)
	for _, dep := range d.res.Deployments {
		d.printf("  deployment %s at %.7s: %s", dep.Environment, dep.Ref, strings.Join(dep.States, " → "))
		if dep.URL != "" {
			d.printf(" (%s)", dep.URL)
		}
		d.printf("\n")
	}
}

// previewImages lists the image tags of the pull request still in ECR.
func (d *Demo) previewImages() []string {
	var tags []string
	if r := d.world.acct.ECR.Repo(d.ws.cfg.Image.Repository); r != nil {
		for tag := range r.Images {
			if strings.HasPrefix(tag, fmt.Sprintf("pr-%d-", d.pr)) {
				tags = append(tags, tag)
			}
		}
	}
	sort.Strings(tags)
	return tags
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
