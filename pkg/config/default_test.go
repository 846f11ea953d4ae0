package config

import (
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v, want time.Duration
	}{
		{"unset takes the default", 0, time.Minute},
		{"below zero takes the default", -time.Second, time.Minute},
		{"set is kept", time.Second, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Default(tc.v, time.Minute); got != tc.want {
				t.Errorf("got %v; want %v", got, tc.want)
			}
		})
	}
	if got := Default(uint64(0), 8<<20); got != 8<<20 {
		t.Errorf("unsigned: got %d; want %d", got, 8<<20)
	}
}
