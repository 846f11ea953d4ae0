package alert

import (
	"net"
	"testing"
)

func TestPublicIP(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"93.184.216.34", true},
		{"2606:2800:220:1:248:1893:25c8:1946", true},
		{"127.0.0.1", false},
		{"127.255.0.9", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"100.64.0.1", false},
		{"198.18.0.1", false},
		{"192.0.0.8", false},
		{"::ffff:127.0.0.1", false},    // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false},     // IPv4-mapped private
		{"64:ff9b::7f00:1", false},     // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false},  // NAT64 of 169.254.169.254
		{"64:ff9b::5db8:d822", true},   // NAT64 of a public address
		{"2002:7f00:1::1", false},      // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", false},    // 6to4 of 192.168.1.1
		{"2001:0:4136:e378::1", false}, // Teredo
		{"fec0::1", false},
		{"::127.0.0.1", false},        // IPv4-compatible loopback (deprecated form)
		{"::10.0.0.1", false},         // IPv4-compatible private
		{"::ffff:0:127.0.0.1", false}, // SIIT IPv4-translated loopback
		{"::ffff:0:a9fe:a9fe", false}, // SIIT of 169.254.169.254
	} {
		ip := net.ParseIP(tc.ip)
		if ip == nil {
			t.Fatalf("bad test address %s", tc.ip)
		}
		if got := PublicIP(ip); got != tc.want {
			t.Errorf("PublicIP(%s) = %v; want %v", tc.ip, got, tc.want)
		}
	}
	if PublicIP(nil) {
		t.Error("PublicIP(nil) = true")
	}
}

// TestCheckWebhookURL: saving a rule refuses malformed and non-web URLs; private and
// loopback addresses are left to the delivering server's policy (webhook-allow-private),
// so that the process saving a rule cannot disagree with the one delivering it.
func TestCheckWebhookURL(t *testing.T) {
	for _, tc := range []struct {
		url     string
		wantErr bool
	}{
		{"https://hooks.example.com/dw", false},
		{"http://93.184.216.34:8080/x", false},
		{"https://[2606:2800:220:1::1]/x", false},
		{"ftp://hooks.example.com/", true},
		{"file:///etc/passwd", true},
		{"gopher://127.0.0.1:25/", true},
		{"https://user:pw@hooks.example.com/", true},
		{"https:///nohost", true},
		{"http://localhost:8080/", false},
		{"http://LOCALHOST./", false},
		{"http://api.localhost/", false},
		{"http://127.0.0.1/", false},
		{"http://127.0.0.1.:80/", false},
		{"http://[::1]/", false},
		{"http://[::ffff:127.0.0.1]/", false},
		{"http://[fe80::1%25eth0]/", false},
		{"http://169.254.169.254/latest/meta-data/", false},
		{"http://10.0.0.5/", false},
		{"http://0.0.0.0:9000/", false},
		{"http://[64:ff9b::7f00:1]/", false},
		{"http://2130706433/", true}, // 127.0.0.1 to inet_aton
		{"http://127.1/", true},
		{"http://0x7f.0x0.0x0.0x1/", true},
		{"http://017700000001/", true},
		{"http://[::127.0.0.1]/", false},
		{"http://[::ffff:0:127.0.0.1]/", false},
		{"https://hooks.example.com:8443/dw", false},
		{"https://hooks.example.com:443/dw", false},
		{"http://hooks.example.com:25/", true},   // SMTP
		{"http://hooks.example.com:22/", true},   // SSH
		{"http://hooks.example.com:6379/", true}, // Redis
		{"http://hooks.example.com:4222/", true}, // NATS
		{"http://hooks.example.com:0/", true},
		{"http://hooks.example.com:70000/", true},
	} {
		err := CheckWebhookURL(tc.url)
		if (err != nil) != tc.wantErr {
			t.Errorf("CheckWebhookURL(%q) = %v; want error %v", tc.url, err, tc.wantErr)
		}
	}
	// The scheme, credential and port checks hold for private addresses too.
	if CheckWebhookURL("http://u:p@127.0.0.1/") == nil || CheckWebhookURL("http://127.0.0.1:6379/") == nil {
		t.Error("a private address with credentials or a non-web port was accepted")
	}
}
