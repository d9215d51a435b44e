package httpapi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// TestOpenAPIDescribesExactlyTheRoutes holds the document to the route table: a route missing from
// the document, or a documented path no route serves, fails.
func TestOpenAPIDescribesExactlyTheRoutes(t *testing.T) {
	t.Parallel()
	s, err := New(DefaultConfig(), Deps{Log: zap.NewNop(), Registry: prometheus.NewRegistry()})
	require.NoError(t, err)

	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openapiDoc, &doc))
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3."), "an OpenAPI 3 document")

	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var served []string
	for _, rt := range s.routes {
		served = append(served, rt.pattern())
	}
	slices.Sort(documented)
	slices.Sort(served)
	require.Equal(t, served, documented)

	apiRoutes := 0
	for _, p := range served {
		if strings.Contains(p, " /api/v1/") {
			apiRoutes++
		}
	}
	require.Greater(t, apiRoutes, 5, "the table holds the API routes")
}

// TestOpenAPIOperationsAreComplete checks what a client generator relies on: every operation has an
// id and a success response, and protected routes declare their security.
func TestOpenAPIOperationsAreComplete(t *testing.T) {
	t.Parallel()
	s, err := New(DefaultConfig(), Deps{Log: zap.NewNop(), Registry: prometheus.NewRegistry()})
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openapiDoc, &doc))
	type operation struct {
		OperationID string                     `json:"operationId"`
		Security    *[]map[string][]string     `json:"security"`
		Responses   map[string]json.RawMessage `json:"responses"`
	}
	ids := map[string]bool{}
	for _, rt := range s.routes {
		var op operation
		require.NoError(t, json.Unmarshal(doc.Paths[rt.path][strings.ToLower(rt.method)], &op), rt.pattern())
		require.NotEmpty(t, op.OperationID, rt.pattern())
		require.False(t, ids[op.OperationID], "duplicate operationId %s", op.OperationID)
		ids[op.OperationID] = true
		ok := false
		for code := range op.Responses {
			ok = ok || strings.HasPrefix(code, "2")
		}
		require.True(t, ok, "%s documents a success response", rt.pattern())
		require.NotNil(t, op.Security, "%s declares its security", rt.pattern())
		// A route requires a session exactly when its security has no empty (anonymous) alternative.
		anonymous := len(*op.Security) == 0
		for _, req := range *op.Security {
			anonymous = anonymous || len(req) == 0
		}
		require.Equal(t, rt.auth, !anonymous, "%s: documented security matches the route", rt.pattern())
		if rt.auth {
			require.Contains(t, op.Responses, "401", rt.pattern())
		}
	}
}
