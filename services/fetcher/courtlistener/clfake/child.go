package clfake

import "os"

// The variables by which a test tells a child process of its own (runtest.StartChild)
// where its fake listens.
const (
	envAPI     = "CLFAKE_API_BASE"
	envStorage = "CLFAKE_STORAGE_BASE"
	envToken   = "CLFAKE_TOKEN"
)

// ChildEnv describes the server to a child process of the test, as environment
// variables that the child reads back with FromEnv.
func (s *Server) ChildEnv() []string {
	return []string{envAPI + "=" + s.APIBase(), envStorage + "=" + s.StorageBase(), envToken + "=" + s.Token()}
}

// Endpoint is where a fake serves and the token it accepts.
type Endpoint struct{ APIBase, StorageBase, Token string }

// FromEnv is, in a child process, the fake its parent test described with ChildEnv.
func FromEnv() Endpoint {
	return Endpoint{APIBase: os.Getenv(envAPI), StorageBase: os.Getenv(envStorage), Token: os.Getenv(envToken)}
}
