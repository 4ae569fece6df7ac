package snippets

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The guides' CI jobs that run the sandbox's image as a service.
var (
	githubServices = []string{
		"../../examples/guides/testing-modules/ci/github-actions-service.yml",
		"../../examples/guides/testing-otp-flows/ci/github-actions.yml",
	}
	gitlabServices = []string{
		"../../examples/guides/testing-modules/ci/gitlab-ci-service.yml",
		"../../examples/guides/testing-otp-flows/ci/gitlab-ci.yml",
	}
)

// TestGitHubActionsService: the image as the release publishes it, pinned
// to the version being released; configured by variables (a service has
// no command line), with open accounts and the secrets from the
// repository's secrets; the image's own health check, never --health-cmd
// (Docker runs it with /bin/sh, which the image does not have); a key per
// job; the base URL on the service's port; and the job's tests.
func TestGitHubActionsService(t *testing.T) {
	image := publishedImage(t)
	for _, path := range githubServices {
		t.Run(path, func(t *testing.T) {
			doc := loadFile(t, path)
			jobs, _ := doc["jobs"].(map[string]any)
			if len(jobs) != 1 {
				t.Fatalf("want one job, got %v", doc["jobs"])
			}
			for name, j := range jobs {
				job, _ := j.(map[string]any)
				services, _ := job["services"].(map[string]any)
				svc, _ := services["sandbox"].(map[string]any)
				if svc == nil {
					t.Fatalf("job %s has no service named sandbox: %v", name, job["services"])
				}
				checkImage(t, svc["image"], image)
				checkServiceEnv(t, svc["env"], `${{ secrets.`)
				options, _ := svc["options"].(string)
				if strings.Contains(options, "--health-cmd") || !strings.Contains(options, "--health-interval") {
					t.Errorf("options %q: tune the image's health check (--health-interval), never replace it with --health-cmd", options)
				}
				if ports, _ := svc["ports"].([]any); !slices.Contains(ports, any(8787)) {
					t.Errorf("ports %v: publish the container's 8787", svc["ports"])
				}
				env, _ := job["env"].(map[string]any)
				if key, _ := env["OTP_API_KEY"].(string); !strings.Contains(key, "${{ github.run_id }}") || !strings.Contains(key, "${{ github.job }}") {
					t.Errorf("OTP_API_KEY %q is not a key per job", key)
				}
				for _, v := range []string{"OTP_API_SECRET", "OTP_SANDBOX_CONTROL_TOKEN"} {
					if env[v] != svc["env"].(map[string]any)[v] {
						t.Errorf("the job's %s is not the service's", v)
					}
				}
				lines := runLines(job)
				if !slices.Contains(lines, `echo "OTP_BASE_URL=http://localhost:${{ job.services.sandbox.ports['8787'] }}/otp" >> "$GITHUB_ENV"`) {
					t.Errorf("no step points OTP_BASE_URL at the service's port: %q", lines)
				}
				checkRunsTests(t, path, lines)
			}
		})
	}
}

// TestGitLabService: the same for GitLab: the image pinned, open accounts,
// the port GitLab waits for, the health route asked before the tests, a
// key per job, secrets from CI/CD variables.
func TestGitLabService(t *testing.T) {
	image := publishedImage(t)
	for _, path := range gitlabServices {
		t.Run(path, func(t *testing.T) {
			doc := loadFile(t, path)
			if len(doc) != 1 {
				t.Fatalf("want one job, got %d keys", len(doc))
			}
			for name, j := range doc {
				job, _ := j.(map[string]any)
				services, _ := job["services"].([]any)
				if len(services) != 1 {
					t.Fatalf("job %s: want one service, got %v", name, job["services"])
				}
				svc, _ := services[0].(map[string]any)
				checkImage(t, svc["name"], image)
				svcVars, _ := svc["variables"].(map[string]any)
				if svcVars["HEALTHCHECK_TCP_PORT"] != "8787" {
					t.Errorf("the service does not say which port GitLab waits for: %v", svcVars)
				}
				checkServiceEnv(t, svc["variables"], "$")
				vars, _ := job["variables"].(map[string]any)
				alias, _ := svc["alias"].(string)
				if vars["OTP_BASE_URL"] != "http://"+alias+":8787/otp" {
					t.Errorf("OTP_BASE_URL %v is not the service's (alias %q)", vars["OTP_BASE_URL"], alias)
				}
				if key, _ := vars["OTP_API_KEY"].(string); !strings.Contains(key, "$CI_JOB_ID") {
					t.Errorf("OTP_API_KEY %q is not a key per job", key)
				}
				if secret, _ := vars["OTP_API_SECRET"].(string); !strings.HasPrefix(secret, "$") {
					t.Errorf("OTP_API_SECRET %q is not a CI/CD variable", secret)
				}
				before, _ := job["before_script"].([]any)
				if !slices.Contains(before, any("wget -qO- http://"+alias+":8787/_sandbox/health")) {
					t.Errorf("the job does not ask the health route before its tests: %v", before)
				}
				var lines []string
				script, _ := job["script"].([]any)
				for _, l := range script {
					s, _ := l.(string)
					lines = append(lines, s)
				}
				checkRunsTests(t, path, lines)
			}
		})
	}
}

// TestSnippetsNameRealVariables: a misspelt variable is silently ignored
// by the sandbox, so every OTP_SANDBOX_ variable the snippets set must be
// one the README's table of flags gives (a test of cmd/otp-sandbox holds
// that table to the flags).
func TestSnippetsNameRealVariables(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	variable := regexp.MustCompile(`\bOTP_SANDBOX_[A-Z_]+\b`)
	documented := variable.FindAllString(string(readme), -1)
	for _, path := range append(append([]string(nil), githubServices...), gitlabServices...) {
		b, err := os.ReadFile(path) //nolint:gosec // the repository's own files
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range variable.FindAllString(string(b), -1) {
			if v == "OTP_SANDBOX_SHARED_SECRET" { // the CI's secret, not the sandbox's variable
				continue
			}
			if !slices.Contains(documented, v) {
				t.Errorf("%s: %s is not a variable of otp-sandbox", path, v)
			}
		}
	}
}

// publishedImage is the release's image and the version the CHANGELOG is
// about to release, so that the snippets pin what users can pull.
func publishedImage(t *testing.T) string {
	t.Helper()
	var release struct {
		DockersV2 []struct {
			Images []string `yaml:"images"`
		} `yaml:"dockers_v2"`
	}
	b, err := os.ReadFile("../../.goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &release); err != nil {
		t.Fatal(err)
	}
	if len(release.DockersV2) != 1 || len(release.DockersV2[0].Images) != 1 {
		t.Fatalf(".goreleaser.yml: want one image in dockers_v2, got %+v", release.DockersV2)
	}
	changelog, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`(?m)^## (\d+\.\d+\.\d+)`).FindSubmatch(changelog)
	if version == nil {
		t.Fatal("CHANGELOG.md has no version heading")
	}
	return release.DockersV2[0].Images[0] + ":" + string(version[1])
}

func checkImage(t *testing.T, got any, want string) {
	t.Helper()
	if got != want {
		t.Errorf("image %v, want %s (the release's image, pinned to the version)", got, want)
	}
}

// checkServiceEnv: open accounts, and the shared secret and the control
// token from the CI's secrets (their values start with secretRef).
func checkServiceEnv(t *testing.T, env any, secretRef string) {
	t.Helper()
	vars, _ := env.(map[string]any)
	if vars["OTP_SANDBOX_OPEN_ACCOUNTS"] != "true" {
		t.Errorf("the service does not open accounts: %v", vars)
	}
	for _, v := range []string{"OTP_API_SECRET", "OTP_SANDBOX_CONTROL_TOKEN"} {
		value, set := vars[v]
		if !set && secretRef == "$" {
			continue // a CI/CD variable of the project reaches the service by itself
		}
		if s, _ := value.(string); !strings.HasPrefix(s, secretRef) {
			t.Errorf("%s = %v, want it from a secret (%s…)", v, value, secretRef)
		}
	}
}

// checkRunsTests: a module's job runs terraform test; an OTP flow job
// applies, then runs each test of the guide.
func checkRunsTests(t *testing.T, path string, lines []string) {
	t.Helper()
	want := []string{"terraform init", "terraform test"}
	if strings.Contains(path, "testing-otp-flows") {
		want = []string{"terraform init", "terraform apply -auto-approve", "bash test/send-and-check.sh", "bash test/fallback.sh", "bash test/send-limit.sh"}
		for _, script := range want[2:] {
			if _, err := os.Stat("../../examples/guides/testing-otp-flows/" + strings.TrimPrefix(script, "bash ")); err != nil {
				t.Errorf("%s runs %s: %v", path, script, err)
			}
		}
	}
	var got []string
	for _, l := range lines {
		if strings.HasPrefix(l, "terraform ") || strings.HasPrefix(l, "bash ") {
			got = append(got, l)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s runs %q, want %q", path, got, want)
	}
}

// runLines are a GitHub job's run steps.
func runLines(job map[string]any) []string {
	var lines []string
	steps, _ := job["steps"].([]any)
	for _, s := range steps {
		if m, ok := s.(map[string]any); ok {
			if r, ok := m["run"].(string); ok {
				lines = append(lines, r)
			}
		}
	}
	return lines
}

func loadFile(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // the repository's own files
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s is not valid YAML: %v", path, err)
	}
	return doc
}
