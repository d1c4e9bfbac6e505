package main

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheBinaryHoldsOnlyTheProduct: nothing the kefu command is built from
// (test files aside) comes from examples/ or the test harness.
func TestTheBinaryHoldsOnlyTheProduct(t *testing.T) {
	const module = "github.com/kefuhq/kefu"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(path string, via []string)
	walk = func(path string, via []string) {
		if seen[path] || path != module && !strings.HasPrefix(path, module+"/") {
			return // seen, or the standard library and go.mod's libraries
		}
		seen[path] = true
		rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
		if strings.HasPrefix(rel, "examples/") || rel == "kefutest" || strings.HasPrefix(rel, "kefutest/") {
			t.Errorf("the kefu command imports %s (%s)", rel, strings.Join(via, " → "))
			return
		}
		p, err := build.ImportDir(filepath.Join(root, rel), 0)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		for _, imp := range p.Imports {
			walk(imp, append(via[:len(via):len(via)], imp))
		}
	}
	walk(module+"/cmd/kefu", []string{"cmd/kefu"})
	if !seen[module+"/node"] {
		t.Fatal("the walk did not reach node: it looks in the wrong place")
	}
}
