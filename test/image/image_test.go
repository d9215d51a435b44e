// Package image_test builds the container image (scripts/image.sh, make image) and runs it as a
// deployer would: `serve` on the embedded profile, with its SQLite database in a named volume.
//
// It needs a Docker engine and nothing else — the image is imported from a rootfs, never pulled —
// and skips without one, except on CI (CI=true), where it fails. The image build is cached: a run
// whose binary did not change re-tags the existing image.
package image_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/companionhub/companionhub/test/containers"
)

const (
	httpPort = "8080/tcp"
	// user is who the image runs as: not root, and the owner of /data.
	user = "65532:65532"
	// buildTimeout bounds scripts/image.sh: a cold Go build cache on a loaded two-core machine takes
	// minutes; a warm one, seconds.
	buildTimeout = 15 * time.Minute
	// patience bounds each wait for the container: a start, a stop, a health check.
	patience = 2 * time.Minute
)

// label marks what this test creates, as test/containers does, so anything a killed run leaves
// behind can be found: docker rm -f $(docker ps -aq --filter label=companionhub.test=true).
var label = map[string]string{"companionhub.test": "true"}

func TestImageServesAndKeepsItsDataInAVolume(t *testing.T) {
	containers.RequireDocker(t)
	ctx := t.Context()
	image := buildImage(t)
	cli := dockerClient(t)

	img, err := cli.ImageInspect(ctx, image)
	if err != nil {
		t.Fatalf("inspect %s: %v", image, err)
	}
	cfg := img.Config
	if cfg.User != user {
		t.Errorf("the image runs as %q, want %q (not root)", cfg.User, user)
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("the image declares volumes %v, want /data", cfg.Volumes)
	}
	if want := []string{"/usr/local/bin/companionhub", "serve"}; !slices.Equal(append(slices.Clone(cfg.Entrypoint), cfg.Cmd...), want) {
		t.Errorf("the image runs %q %q, want %q", cfg.Entrypoint, cfg.Cmd, want)
	}
	health := cfg.Healthcheck
	if health == nil || len(health.Test) == 0 {
		t.Fatal("the image has no HEALTHCHECK (scripts/image.sh adds `companionhub healthcheck`)")
	}

	volume := newVolume(t, cli)
	first := run(t, image, volume, health)
	base := first.waitReady(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := call(t, http.MethodGet, base+path, "", nil, nil); code != http.StatusOK {
			t.Fatalf("GET %s = %d %s, want 200", path, code, body)
		}
	}
	first.assertRunsAs(t, cli, "65532")

	const username, password = "ada", "plum-ferry-osmosis-42"
	if code, body := call(t, http.MethodPost, base+"/api/v1/auth/register", "", map[string]any{
		"email": "ada@example.com", "username": username, "display_name": "Ada", "password": password,
	}, nil); code != http.StatusCreated {
		t.Fatalf("register = %d %s, want 201", code, body)
	}
	token := login(t, base, username, password)
	var created struct {
		Companion companion `json:"companion"`
	}
	if code, body := call(t, http.MethodPost, base+"/api/v1/companions", token,
		map[string]any{"name": "Mika", "age": 24}, &created); code != http.StatusCreated || created.Companion.ID == "" {
		t.Fatalf("create companion = %d %s, want 201 with an id", code, body)
	}

	// Stopped (SIGTERM, as `docker stop` sends) and started again, the same container keeps the
	// account, the session and the companion.
	first.stop(t)
	if err := first.c.Start(ctx); err != nil {
		t.Fatalf("start the stopped container again: %v", err)
	}
	base = first.waitReady(t)
	assertKept(t, base, token, created.Companion.ID)
	first.waitHealthy(t)
	first.stop(t)

	// A new container given only the volume has them too: the data is in the volume, not in the
	// container that wrote it.
	second := run(t, image, volume, health)
	base = second.waitReady(t)
	assertKept(t, base, login(t, base, username, password), created.Companion.ID)
}

// testRepository is the repository of the image the tests build.
const testRepository = "companionhub-test/hub"

// buildImage runs scripts/image.sh (make image) and returns the image it built.
func buildImage(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "image.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, script)
	// An image of its own, without version tags: a test never replaces what `make image` built
	// (deploy/compose.yaml runs companionhub:latest), and each build replaces the last.
	cmd.Env = append(os.Environ(), "COMPANIONHUB_IMAGE="+testRepository, "COMPANIONHUB_IMAGE_VERSION_TAG=false")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	t.Logf("scripts/image.sh took %s:\n%s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(stderr.String()))
	lines := strings.Fields(stdout.String())
	if len(lines) == 0 {
		t.Fatalf("%s printed no image name", script)
	}
	return lines[len(lines)-1]
}

func dockerClient(t *testing.T) *testcontainers.DockerClient {
	t.Helper()
	cli, err := testcontainers.NewDockerClientWithOpts(t.Context())
	if err != nil {
		t.Fatalf("docker: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// newVolume creates a named volume, removed when t ends (after the containers using it, whose
// cleanups run first).
func newVolume(t *testing.T, cli *testcontainers.DockerClient) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "companionhub-image-test-" + hex.EncodeToString(b)
	if _, err := cli.VolumeCreate(t.Context(), client.VolumeCreateOptions{Name: name, Labels: label}); err != nil {
		t.Fatalf("create volume: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), patience)
		defer cancel()
		if _, err := cli.VolumeRemove(ctx, name, client.VolumeRemoveOptions{Force: true}); err != nil {
			t.Errorf("remove volume %s: %v", name, err)
		}
	})
	return name
}

// hub is one container of the image.
type hub struct {
	c testcontainers.Container
}

// run starts a container of image with volume at /data, removed when t ends. With health (the
// image's HEALTHCHECK), the container runs the same check every half second instead of the image's
// interval, so that a test waits for the check rather than for the clock.
func run(t *testing.T, image, volume string, health *container.HealthConfig) *hub {
	t.Helper()
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(httpPort),
		testcontainers.WithLabels(label),
		testcontainers.WithMounts(testcontainers.VolumeMount(volume, "/data")),
	}
	if health != nil {
		opts = append(opts, testcontainers.WithConfigModifier(func(c *container.Config) {
			c.Healthcheck = &container.HealthConfig{Test: health.Test, Interval: 500 * time.Millisecond,
				Timeout: 5 * time.Second, Retries: 3}
		}))
	}
	c, err := testcontainers.Run(t.Context(), image, opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), patience)
		defer cancel()
		if c == nil {
			return
		}
		if t.Failed() {
			logTail(t, c)
		}
		if err := c.Terminate(ctx); err != nil {
			t.Errorf("remove container: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", image, err)
	}
	return &hub{c: c}
}

// waitReady waits until /readyz answers 200 and returns the hub's base URL. The published port is
// looked up each time: it changes when the container is started again.
func (h *hub) waitReady(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		base, err := h.readyURL(ctx)
		if err == nil {
			return base
		}
		last = err
		if st, serr := h.c.State(ctx); serr == nil && !st.Running {
			t.Fatalf("the hub exited with code %d before it was ready: %v", st.ExitCode, last)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the hub was not ready within %s: %v", patience, last)
		case <-tick.C:
		}
	}
}

// readyURL returns the base URL whose /readyz answers 200. testcontainers' idea of the engine's
// host is wrong where the engine runs in the same sandbox as the tests (it dials a gateway), so
// loopback is tried too, as test/containers does.
func (h *hub) readyURL(ctx context.Context) (string, error) {
	port, err := h.c.MappedPort(ctx, httpPort)
	if err != nil {
		return "", err
	}
	host, err := h.c.Host(ctx)
	if err != nil {
		return "", err
	}
	hosts := []string{host}
	if _, override := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !override && host != "127.0.0.1" && host != "localhost" {
		hosts = append(hosts, "127.0.0.1")
	}
	var errs []error
	for _, host := range hosts {
		base := "http://" + net.JoinHostPort(host, port.Port())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return "", err
		}
		res, err := probeClient.Do(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode == http.StatusOK {
			return base, nil
		}
		errs = append(errs, fmt.Errorf("GET %s/readyz = %d %s", base, res.StatusCode, body))
	}
	return "", errors.Join(errs...)
}

var probeClient = &http.Client{Timeout: 2 * time.Second}

// stop stops the container as `docker stop` does and checks that the hub shut down cleanly.
func (h *hub) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	grace := time.Minute // longer than the hub's own shutdown timeout: a kill would be a failure
	if err := h.c.Stop(ctx, &grace); err != nil {
		t.Fatalf("stop the container: %v", err)
	}
	st, err := h.c.State(ctx)
	if err != nil {
		t.Fatalf("container state: %v", err)
	}
	if st.ExitCode != 0 {
		t.Fatalf("the hub exited with code %d on SIGTERM, want 0", st.ExitCode)
	}
}

// waitHealthy waits until Docker reports the container's health check healthy.
func (h *hub) waitHealthy(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	status := "no health state"
	for {
		st, err := h.c.State(ctx)
		if err != nil {
			t.Fatalf("container state: %v", err)
		}
		if st.Health != nil {
			status = string(st.Health.Status)
			if status == "healthy" {
				return
			}
			if n := len(st.Health.Log); n > 0 {
				status += fmt.Sprintf(" (last check: exit %d, %q)", st.Health.Log[n-1].ExitCode, st.Health.Log[n-1].Output)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the health check did not report healthy within %s: %s", patience, status)
		case <-tick.C:
		}
	}
}

// assertRunsAs checks the user the container's process really runs as, as the engine's host sees it.
func (h *hub) assertRunsAs(t *testing.T, cli *testcontainers.DockerClient, uid string) {
	t.Helper()
	top, err := cli.ContainerTop(t.Context(), h.c.GetContainerID(), client.ContainerTopOptions{Arguments: []string{"-o", "pid,uid,comm"}})
	if err != nil {
		t.Fatalf("docker top: %v", err)
	}
	col := slices.Index(top.Titles, "UID")
	if col < 0 || len(top.Processes) == 0 {
		t.Fatalf("docker top lists no user id: %q %q", top.Titles, top.Processes)
	}
	for _, p := range top.Processes {
		if p[col] != uid {
			t.Errorf("a process of the container runs as uid %s (%q), want %s", p[col], p, uid)
		}
	}
}

type companion struct {
	ID string `json:"id"`
}

func login(t *testing.T, base, username, password string) string {
	t.Helper()
	var res struct {
		Token string `json:"token"`
	}
	if code, body := call(t, http.MethodPost, base+"/api/v1/auth/login", "",
		map[string]any{"identifier": username, "password": password}, &res); code != http.StatusOK || res.Token == "" {
		t.Fatalf("login = %d %s, want 200 with a token", code, body)
	}
	return res.Token
}

// assertKept checks that the session behind token still works and its companion id is still listed.
func assertKept(t *testing.T, base, token, id string) {
	t.Helper()
	var list struct {
		Items []companion `json:"items"`
	}
	code, body := call(t, http.MethodGet, base+"/api/v1/companions", token, nil, &list)
	if code != http.StatusOK {
		t.Fatalf("list companions = %d %s, want 200", code, body)
	}
	if !slices.ContainsFunc(list.Items, func(c companion) bool { return c.ID == id }) {
		t.Fatalf("the companion %s is not listed after the restart: %s", id, body)
	}
}

// call sends a JSON request (in, when not nil) with a bearer token (when not empty) and decodes a
// JSON answer into out (when not nil); it returns the status and the raw body.
func call(t *testing.T, method, url, token string, in, out any) (int, string) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", method, url, err)
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
		}
	}
	return res.StatusCode, string(raw)
}

var apiClient = &http.Client{Timeout: 30 * time.Second}

// logTail prints the end of a failed test's container log.
func logTail(t *testing.T, c testcontainers.Container) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), patience)
	defer cancel()
	r, err := c.Logs(ctx)
	if err != nil {
		t.Logf("container log: %v", err)
		return
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	t.Logf("the container's log ends with:\n%s", strings.Join(lines, "\n"))
}
