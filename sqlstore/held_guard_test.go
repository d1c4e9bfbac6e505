package sqlstore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestConversationStatementsWriteHeldSaves: every function that runs a
// statement on the conversations table runs it through conversationsTable,
// which writes the held saves first (held.go) — else a read inside a batch
// would miss an earlier op's save. The exceptions write the held saves
// themselves or lock a conversation that is not held.
func TestConversationStatementsWriteHeldSaves(t *testing.T) {
	exempt := map[string]string{
		"LockConversation": "a conversation that is not held has no save to write",
		"saveStatements":   "the statements that write the held saves",
	}
	onTable := regexp.MustCompile(`(?i)\b(from|into|update|join)\s+conversations\b`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || exempt[fn.Name.Name] != "" {
				continue
			}
			var names, flushes bool
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					names = names || n.Kind == token.STRING && onTable.MatchString(n.Value)
				case *ast.SelectorExpr:
					flushes = flushes || n.Sel.Name == "conversationsTable"
				}
				return true
			})
			if names {
				checked++
				if !flushes {
					t.Errorf("%s: %s runs a statement on the conversations table without conversationsTable", fset.Position(fn.Pos()), fn.Name.Name)
				}
			}
		}
	}
	if checked < 5 {
		t.Errorf("found %d functions with statements on the conversations table; the check is looking in the wrong place", checked)
	}
}
