// Package web holds Kefu's front end: plain HTML, CSS and JavaScript modules,
// embedded in the binary, with no build step. Pages compose small custom
// elements; one module renders messages everywhere (workspace, widget,
// simulator); one owns the WebSocket; text lives in i18n/{lang}/*.json.
//
// One module is not a file: js/rich-policy.js is written here from package
// richtext's allowlist, so the renderer rebuilds rich messages from the very
// rules the server sanitised them with.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"path"
	"time"

	"github.com/kefuhq/kefu/richtext"
)

//go:embed static
var files embed.FS

// RichPolicyModule is the path, under the static directory, of the module
// that holds richtext's allowlist.
const RichPolicyModule = "js/rich-policy.js"

// FS returns the static files, rooted at the static directory, with the
// rich-text policy module among them.
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	return withFiles{FS: sub, extra: map[string][]byte{RichPolicyModule: richPolicyModule()}}
}

// richPolicyModule is the JavaScript module exporting richtext.Rules().
func richPolicyModule() []byte {
	b, err := json.MarshalIndent(richtext.Rules(), "", "  ")
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	var m bytes.Buffer
	m.WriteString("// rich-policy.js: what a rich message may contain, written by Kefu's server\n")
	m.WriteString("// from the allowlist it sanitises rich messages with (package richtext).\n")
	m.WriteString("export default ")
	m.Write(b)
	m.WriteString(";\n")
	return m.Bytes()
}

// withFiles is an fs.FS with a few generated files on top of another.
type withFiles struct {
	fs.FS
	extra map[string][]byte
}

func (w withFiles) Open(name string) (fs.File, error) {
	if b, ok := w.extra[name]; ok {
		return &memFile{Reader: bytes.NewReader(b), name: name, size: int64(len(b))}, nil
	}
	return w.FS.Open(name)
}

func (w withFiles) ReadFile(name string) ([]byte, error) {
	if b, ok := w.extra[name]; ok {
		return bytes.Clone(b), nil
	}
	return fs.ReadFile(w.FS, name)
}

// memFile is a generated file, open for reading.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct{ f *memFile }

func (i memInfo) Name() string       { return path.Base(i.f.name) }
func (i memInfo) Size() int64        { return i.f.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
