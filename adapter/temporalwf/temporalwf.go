// Package temporalwf runs chat turns on Temporal: the pipeline (chat.RunTurn) as a deterministic
// workflow, its steps as activities, a Runner that starts and cancels the workflows, and a worker
// that executes them. Tokens never pass through Temporal — the reply step publishes them on the
// stream bus — so a turn's history holds about a dozen step results whatever the reply's length.
//
// The Temporal SDK appears in this package only.
package temporalwf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

// Config connects to Temporal. The env tags bind it flattened into the root configuration.
type Config struct {
	// Address is the frontend's host:port.
	Address string `env:"TEMPORAL_ADDRESS" help:"host:port of the Temporal frontend"`
	// Namespace holds the workflows.
	Namespace string `env:"TEMPORAL_NAMESPACE" help:"Temporal namespace of the workflows"`
	// TaskQueue is where turns wait for a worker; serve and worker must agree on it.
	TaskQueue string `env:"TEMPORAL_TASK_QUEUE" help:"Temporal task queue of chat turns (serve and worker must agree)"`
	// APIKey authenticates to Temporal Cloud (and turns TLS on).
	APIKey secret.String `env:"TEMPORAL_API_KEY" help:"Temporal Cloud API key (implies TLS)"`
	// TLS turns on TLS to the frontend; the files add a client certificate (mTLS) and a CA.
	TLS        bool   `env:"TEMPORAL_TLS" help:"connect to Temporal over TLS"`
	TLSCert    string `env:"TEMPORAL_TLS_CERT" help:"path of the client certificate (PEM) for mTLS to Temporal"`
	TLSKey     string `env:"TEMPORAL_TLS_KEY" help:"path of the client key (PEM) for mTLS to Temporal"`
	TLSCA      string `env:"TEMPORAL_TLS_CA" help:"path of the CA bundle (PEM) that signs the Temporal frontend's certificate"`
	ServerName string `env:"TEMPORAL_TLS_SERVER_NAME" help:"server name expected in the Temporal frontend's certificate"`
	// MaxHeartbeat caps how long a step may go without a sign of life before Temporal hands it to
	// another worker (the reply's policy says 10 s); every worker must agree on it.
	MaxHeartbeat time.Duration `env:"TEMPORAL_MAX_HEARTBEAT" help:"longest a step may go without a heartbeat before Temporal gives it to another worker (0: the steps' own)"`
	// StartTimeout bounds starting a turn's workflow: Temporal answers in milliseconds, and while it
	// is unreachable its client would retry for ten seconds while the person waits for the send.
	StartTimeout time.Duration `env:"TEMPORAL_START_TIMEOUT" help:"how long a send waits for Temporal to start its turn before it is refused as unavailable (and can be sent again)"`
}

// DefaultConfig is a local dev server's: localhost:7233, namespace default, queue chat-turns.
func DefaultConfig() Config {
	return Config{Address: "localhost:7233", Namespace: "default", TaskQueue: "chat-turns", StartTimeout: 3 * time.Second}
}

// Validate checks the settings without connecting.
func (c Config) Validate() error {
	var errs []error
	if c.Address == "" {
		errs = append(errs, envflag.Field("Address", "must not be empty"))
	}
	if c.Namespace == "" {
		errs = append(errs, envflag.Field("Namespace", "must not be empty"))
	}
	if c.TaskQueue == "" {
		errs = append(errs, envflag.Field("TaskQueue", "must not be empty"))
	}
	if c.MaxHeartbeat < 0 {
		errs = append(errs, envflag.Field("MaxHeartbeat", "must not be negative"))
	}
	if c.StartTimeout <= 0 {
		errs = append(errs, envflag.Field("StartTimeout", "must be positive"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, envflag.Field("TLSCert", "and TLSKey go together"))
	}
	return errors.Join(errs...)
}

// Dial connects a client to Temporal, logging through log and exporting the SDK's metrics into reg
// (nil: none), traced as the options say (WithTracerProvider). It waits for the frontend up to ctx.
func Dial(ctx context.Context, c Config, log *zap.Logger, reg prometheus.Registerer, dial ...DialOption) (client.Client, error) {
	opts := client.Options{HostPort: c.Address, Namespace: c.Namespace, Logger: NewLogger(log)}
	if reg != nil {
		opts.MetricsHandler = NewMetrics(reg).Handler()
	}
	var d dialOptions
	for _, o := range dial {
		o(&d)
	}
	if d.tracer != nil {
		ti, err := tracingInterceptor(d.tracer)
		if err != nil {
			return nil, err
		}
		opts.Interceptors = append(opts.Interceptors, ti)
	}
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	opts.ConnectionOptions.TLS = tc
	if key := c.APIKey.Reveal(); key != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(key)
	}
	cl, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", c.Address, err)
	}
	return cl, nil
}

func (c Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS && c.APIKey.Reveal() == "" && c.TLSCert == "" && c.TLSCA == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load the Temporal client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("read the Temporal CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("the Temporal CA bundle holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// Ping checks that the frontend answers (for readiness).
func Ping(ctx context.Context, c client.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return fmt.Errorf("temporal: %w", err)
	}
	return nil
}
