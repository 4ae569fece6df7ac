package snippets

import (
	"path/filepath"
	"testing"
)

// ciDir holds the CI snippets of the testing guide.
const ciDir = "../../examples/guides/testing-modules/ci"

func load(t *testing.T, name string) map[string]any {
	t.Helper()
	return loadFile(t, filepath.Join(ciDir, name))
}

// TestGitHubActions: one concurrency group for every branch, never
// cancelling a started job, and a job that runs the tests.
func TestGitHubActions(t *testing.T) {
	doc := load(t, "github-actions.yml")
	c, ok := doc["concurrency"].(map[string]any)
	if !ok || c["group"] == nil || c["group"] == "" || c["cancel-in-progress"] != false {
		t.Fatalf("concurrency = %v, want a fixed group and cancel-in-progress: false", doc["concurrency"])
	}
	jobs, ok := doc["jobs"].(map[string]any)
	if !ok || len(jobs) == 0 {
		t.Fatalf("no jobs: %v", doc["jobs"])
	}
	if !runsTests(jobs["test"]) {
		t.Fatalf("the test job does not run terraform test: %v", jobs["test"])
	}
}

// TestGitLab: a job in a resource group that runs the tests.
func TestGitLab(t *testing.T) {
	doc := load(t, "gitlab-ci.yml")
	job, ok := doc["module-tests"].(map[string]any)
	if !ok || job["resource_group"] == nil || job["resource_group"] == "" {
		t.Fatalf("module-tests = %v, want a resource_group", doc["module-tests"])
	}
	if !runsTests(job) {
		t.Fatalf("the job does not run terraform test: %v", job)
	}
}

// runsTests finds "terraform test" among a job's steps or script lines.
func runsTests(job any) bool {
	j, _ := job.(map[string]any)
	var lines []any
	if steps, ok := j["steps"].([]any); ok {
		for _, s := range steps {
			if m, ok := s.(map[string]any); ok {
				lines = append(lines, m["run"])
			}
		}
	}
	if script, ok := j["script"].([]any); ok {
		lines = append(lines, script...)
	}
	for _, l := range lines {
		if l == "terraform test" {
			return true
		}
	}
	return false
}
