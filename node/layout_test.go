package node_test

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// module is Kefu's import path; the tests run in node/, one level below.
const module = "github.com/kefuhq/kefu"

// surfaces are the parts that speak to the outside world. They reach
// durable state only through the engine (and a kefu.Reader the node hands
// them), never through the store's implementation.
var surfaces = []string{"httpapi", "push", "connector"}

// TestSurfacesDoNotImportTheStore fails if a surface package, or anything
// of Kefu's it imports, imports sqlstore: surfaces depend on the kefu.Store
// contract's read side and the engine, not on a database.
func TestSurfacesDoNotImportTheStore(t *testing.T) {
	root := moduleRoot(t)
	for _, dir := range surfacePackages(t, root) {
		seen := map[string]bool{}
		var walk func(path string, via []string)
		walk = func(path string, via []string) {
			if seen[path] {
				return
			}
			seen[path] = true
			if path == module+"/sqlstore" || strings.HasPrefix(path, module+"/sqlstore/") {
				t.Errorf("%s imports sqlstore (through %s)", via[0], strings.Join(via, " → "))
				return
			}
			if path != module && !strings.HasPrefix(path, module+"/") {
				return // the standard library and go.mod's libraries
			}
			p, err := build.ImportDir(filepath.Join(root, strings.TrimPrefix(strings.TrimPrefix(path, module), "/")), 0)
			if err != nil {
				t.Fatalf("read %s: %v", path, err)
			}
			for _, imp := range p.Imports {
				walk(imp, append(via[:len(via):len(via)], imp))
			}
		}
		path := module + "/" + filepath.ToSlash(dir)
		walk(path, []string{path})
	}
}

// TestNoStoreAccessorOnTheEngine fails if the engine offers its store (a
// method of *Engine answering a kefu.Store, kefu.Reader or kefu.Tx) or if
// any non-test code outside the engine calls a Store() method: every write
// and every read that carries a rule goes through an engine method.
func TestNoStoreAccessorOnTheEngine(t *testing.T) {
	root := moduleRoot(t)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		inEngine := filepath.Dir(rel) == "engine"
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if inEngine && n.Recv != nil && n.Name.IsExported() && n.Type.Results != nil {
					for _, r := range n.Type.Results.List {
						if sel, ok := r.Type.(*ast.SelectorExpr); ok && isIdent(sel.X, "kefu") &&
							(sel.Sel.Name == "Store" || sel.Sel.Name == "Reader" || sel.Sel.Name == "Tx") {
							t.Errorf("%s: engine method %s hands out a kefu.%s", rel, n.Name.Name, sel.Sel.Name)
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Store" && len(n.Args) == 0 && !inEngine {
					t.Errorf("%s: calls a Store() accessor", rel)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// moduleRoot is the directory of go.mod, one above node/.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod above node/: %v", err)
	}
	return root
}

// surfacePackages lists the directories (relative to root) of every
// package under the surfaces.
func surfacePackages(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	for _, s := range surfaces {
		err := filepath.WalkDir(filepath.Join(root, s), func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if _, err := build.ImportDir(path, 0); err == nil {
				rel, _ := filepath.Rel(root, path)
				dirs = append(dirs, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(dirs) < len(surfaces) {
		t.Fatalf("found only %v of the surfaces %v", dirs, surfaces)
	}
	return dirs
}
