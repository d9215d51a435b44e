package image_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/test/containers"
)

var deployDir = filepath.Join("..", "..", "deploy")

// TestDeployNamesOnlyRealSettings: every COMPANIONHUB_… variable that the compose file and its .env
// example set is a setting of the hub (the README's configuration table), so none is silently
// ignored.
func TestDeployNamesOnlyRealSettings(t *testing.T) {
	t.Parallel()
	cfg := companionhub.DefaultConfig()
	b, err := envflag.Bind(flag.NewFlagSet("deploy", flag.ContinueOnError), companionhub.EnvPrefix, &cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var settings []string
	for _, v := range b.Vars() {
		settings = append(settings, v.Name)
	}
	nameRE := regexp.MustCompile(`COMPANIONHUB_[A-Z0-9_]+`)
	for _, file := range []string{"compose.yaml", ".env.example", "hub.env.example"} {
		raw, err := os.ReadFile(filepath.Join(deployDir, file))
		if err != nil {
			t.Fatal(err)
		}
		names := nameRE.FindAllString(string(raw), -1)
		if len(names) == 0 {
			t.Errorf("%s names no setting", file)
		}
		for _, name := range names {
			if !slices.Contains(settings, strings.TrimSuffix(name, "_FILE")) {
				t.Errorf("%s sets %s, which is not a setting of the hub", file, name)
			}
		}
	}
}

// TestComposeFileIsValid has Docker Compose read deploy/compose.yaml with the .env example filled
// in: the file is well-formed, and compose accepts every key. Nothing is pulled or started.
func TestComposeFileIsValid(t *testing.T) {
	t.Parallel()
	var compose []string
	if exec.Command("docker", "compose", "version").Run() == nil {
		compose = []string{"docker", "compose"}
	} else if path, err := exec.LookPath("docker-compose"); err == nil {
		compose = []string{path}
	} else {
		containers.Unavailable(t, "reads deploy/compose.yaml with Docker Compose, which is not installed",
			"install Docker Compose (the docker compose plugin, or Debian's docker-compose package).")
		return
	}

	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(deployDir)); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(dir, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	env := regexp.MustCompile(`(?m)^([A-Z_]+_PASSWORD)=$`).ReplaceAllString(string(example), "${1}=placeholder")
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	hubEnv, err := os.ReadFile(filepath.Join(dir, "hub.env.example"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hub.env"), hubEnv, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(compose[0], append(compose[1:], "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml"), "config", "--quiet")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s config: %v\n%s", strings.Join(compose, " "), err, out)
	}

	// Without the passwords, compose refuses to start anything, naming what is missing.
	if err := os.WriteFile(filepath.Join(dir, ".env"), example, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(compose[0], append(compose[1:], "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml"), "config", "--quiet")...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "PASSWORD") {
		t.Fatalf("%s config accepted an .env without passwords (%v):\n%s", strings.Join(compose, " "), err, out)
	}
}
