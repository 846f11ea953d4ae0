package bus_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// TestConnConfigValidateReadsFiles: a server URL, credentials or nkey file that a
// connection could not use is refused by Validate, which runs at start, naming its flag;
// usable ones pass.
func TestConnConfigValidateReadsFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	pub, _ := user.PublicKey()
	account, _ := nkeys.CreateAccount()
	userJWT, err := jwt.NewUserClaims(pub).Encode(account)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		t.Fatal(err)
	}
	const url = "nats://127.0.0.1:4222"
	for _, tc := range []struct {
		name    string
		cfg     bus.ConnConfig
		wantErr string
	}{
		{"a seed", bus.ConnConfig{URLs: url, NKeyFile: write("user.nk", seed)}, ""},
		{"a credentials file", bus.ConnConfig{URLs: url, CredsFile: write("user.creds", creds)}, ""},
		{"no seed file", bus.ConnConfig{URLs: url, NKeyFile: filepath.Join(dir, "missing.nk")}, "--nats-nkey"},
		{"not a seed", bus.ConnConfig{URLs: url, NKeyFile: write("junk.nk", []byte("not a seed\n"))}, "--nats-nkey"},
		{"no credentials file", bus.ConnConfig{URLs: url, CredsFile: filepath.Join(dir, "missing.creds")}, "--nats-creds"},
		{"a seed, not credentials", bus.ConnConfig{URLs: url, CredsFile: write("seed.creds", seed)}, "--nats-creds"},
		{"no URL", bus.ConnConfig{}, "--nats"},
		{"a host alone", bus.ConnConfig{URLs: "127.0.0.1:4222, nats://[::1]:4222"}, ""},
		{"not a NATS URL", bus.ConnConfig{URLs: url + ",http://user:S3CRET@127.0.0.1:4222"}, "--nats"},
		{"an empty entry, passed over as nats.go does", bus.ConnConfig{URLs: url + ", ,"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v; want %q", err, tc.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), string(seed)) || strings.Contains(err.Error(), "S3CRET")) {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}
