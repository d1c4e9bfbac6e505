package main

import (
	"strings"
	"testing"
)

// TestHelp: -h, --help and help print the usage on stdout and exit 0, for
// kefu and every subcommand, without starting anything; kefu's own help
// shows the flags of serve, the default command.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"-h"}, {"--help"}, {"-help"}, {"help"}, {"serve", "-h"}, {"serve", "--help"},
		{"app", "-h"}, {"app", "--help"}, {"app", "help"}, {"app", "add", "-h"}, {"app", "list", "--help"},
		{"wx", "-h"}, {"wx", "--help"}, {"wx", "sign", "-h"}, {"wx", "decrypt", "--help"},
		{"bench", "-h"}, {"bench", "--help"}, {"bench", "e2e", "-h"},
	} {
		code, out, errs := kefuRun(args...)
		if code != 0 || !strings.Contains(out, "Usage: kefu") || errs != "" {
			t.Errorf("kefu %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
	for _, args := range [][]string{{"-h"}, {"serve", "--help"}} {
		_, out, _ := kefuRun(args...)
		for _, want := range []string{"-addr", "KEFU_ADDR", "-data", "-db", "-nats", "-public-url", "app", "wx", "bench"} {
			if !strings.Contains(out, want) {
				t.Errorf("kefu %s does not mention %s:\n%s", strings.Join(args, " "), want, out)
			}
		}
	}
	_, out, _ := kefuRun("app", "add", "-h")
	if !strings.Contains(out, "-appid") || !strings.Contains(out, "-push-url") {
		t.Errorf("kefu app add -h lists no flags:\n%s", out)
	}
}

// TestUsageErrors: a wrong flag or command is a usage error, exit 2, told
// on stderr with the usage.
func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"}, {"serve", "--no-such-flag"}, {"frobnicate"}, {"app"}, {"app", "add", "--no-such-flag"},
		{"wx"}, {"wx", "sign", "--no-such-flag"}, {"bench", "--no-such-flag"},
	} {
		code, out, errs := kefuRun(args...)
		if code != 2 || out != "" || !strings.Contains(errs, "Usage: kefu") {
			t.Errorf("kefu %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
}
