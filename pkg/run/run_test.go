package run

import (
	"strings"
	"testing"
)

// TestFlagsValidate: each setting Validate refuses is named by its flag.
func TestFlagsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   Flags
		wantErr string
	}{
		{"defaults", Flags{Replicas: 1, TraceSample: 1}, ""},
		{"a collector", Flags{Replicas: 1, TraceSample: 1, OTLPEndpoint: "http://otel-collector:4318"}, ""},
		{"a collector of another scheme", Flags{Replicas: 1, TraceSample: 1, OTLPEndpoint: "ftp://x"}, "--otlp-endpoint"},
		{"sample above one", Flags{Replicas: 1, TraceSample: 1.5}, "--trace-sample"},
		{"no replicas", Flags{TraceSample: 1}, "--replicas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.flags.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v; want %q", err, tc.wantErr)
			}
		})
	}
}
