// Package otlp exports the hub's traces with OpenTelemetry's SDK over OTLP/HTTP, configured the
// standard way — by the OTEL_* environment variables — and only when they ask for it: with neither
// OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set there is no SDK, no
// exporter and no span recorded (the API's no-op). The exporter reads the rest itself (headers,
// timeout, compression, certificates, http/protobuf or http/json), the SDK its sampler
// (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG) and batching (OTEL_BSP_*), and the resource
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
package otlp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// The variables this package decides on; the SDK and the exporter read the others.
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	EnvTracesExporter = "OTEL_TRACES_EXPORTER"
	EnvSDKDisabled    = "OTEL_SDK_DISABLED"
)

// closeTimeout bounds the flush of the spans still queued when the process stops.
const closeTimeout = 5 * time.Second

// Enabled reports whether the environment (getenv: os.Getenv) asks for traces: an OTLP endpoint is
// set, the SDK is not disabled (OTEL_SDK_DISABLED=true) and the traces' exporter is not "none".
// What this package cannot honour is an error naming the variable: another exporter than OTLP, or
// OTLP over gRPC (the exporter here speaks OTLP/HTTP).
func Enabled(getenv func(string) string) (bool, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	if strings.EqualFold(get(EnvSDKDisabled), "true") {
		return false, nil
	}
	switch exp := strings.ToLower(get(EnvTracesExporter)); exp {
	case "", "otlp":
	case "none":
		return false, nil
	default:
		return false, fmt.Errorf("%s=%s: traces are exported with OTLP only (otlp, or none)", EnvTracesExporter, exp)
	}
	if get(EnvEndpoint) == "" && get(EnvTracesEndpoint) == "" {
		return false, nil
	}
	protocol, name := get(EnvTracesProtocol), EnvTracesProtocol
	if protocol == "" {
		protocol, name = get(EnvProtocol), EnvProtocol
	}
	switch protocol {
	case "", "http/protobuf", "http/json":
	default:
		return false, fmt.Errorf("%s=%s: traces are exported over OTLP/HTTP only (http/protobuf or http/json); "+
			"a collector's OTLP/HTTP port is usually 4318", name, protocol)
	}
	return true, nil
}

// Service is what the traces' resource names by default; OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES override it.
type Service struct {
	Name    string // service.name
	Version string // service.version ("" for none)
}

// Open starts the SDK's tracer provider exporting in batches over OTLP/HTTP, as the environment
// says (see the package comment). The function it returns flushes what is queued and stops it; call
// it once the spans' producers have stopped.
func Open(ctx context.Context, s Service) (*sdktrace.TracerProvider, func() error, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("the OTLP trace exporter: %w", err)
	}
	attrs := []resource.Option{resource.WithSchemaURL(semconv.SchemaURL), resource.WithTelemetrySDK()}
	if s.Name != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceName(s.Name)))
	}
	if s.Version != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceVersion(s.Version)))
	}
	// Later options win: the environment's resource overrides the defaults above.
	res, err := resource.New(ctx, append(attrs, resource.WithFromEnv())...)
	// A partial resource, or one whose detectors speak another semantic-conventions version than
	// ours (after an SDK upgrade), still names the service: only other failures stop start-up.
	if err != nil && !errors.Is(err, resource.ErrPartialResource) && !errors.Is(err, resource.ErrSchemaURLConflict) {
		_ = exp.Shutdown(ctx)
		return nil, nil, fmt.Errorf("the traces' resource (%s): %w", "OTEL_RESOURCE_ATTRIBUTES", err)
	}
	if res == nil {
		res = resource.Default()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tp, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		return tp.Shutdown(ctx)
	}, nil
}
