// Package web holds Kefu's front end: plain HTML, CSS and JavaScript modules,
// embedded in the binary, with no build step. Pages compose small custom
// elements; one module renders messages everywhere (workspace, widget,
// simulator); one owns the WebSocket; text lives in i18n/{lang}/*.json.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// FS returns the static files, rooted at the static directory.
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	return sub
}
