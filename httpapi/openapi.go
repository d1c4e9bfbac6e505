package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPI describes the client, desk and admin APIs (OpenAPI 3.1). A test
// checks it against the route table both ways, so it stays true.
//
//go:embed openapi.yaml
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(openAPI)
}
