package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/kefuhq/kefu/httpapi/edge"
)

// page is an HTML page of the front end and where it may be embedded.
type page struct {
	file string // under static/pages/
	// frameAncestors returns the CSP frame-ancestors sources ("'none'" by default).
	frameAncestors func(s *Server, r *http.Request) string
	// frameSrc returns extra origins the page may frame (assistant components).
	frameSrc func(s *Server, r *http.Request) []string
}

// pages maps paths to pages. Every page gets a strict Content-Security-Policy:
// scripts and styles only from Kefu itself, nothing inline.
var pages = map[string]page{
	"/desk":        {file: "desk.html", frameSrc: func(s *Server, r *http.Request) []string { return s.deskAPI.ComponentOrigins(r) }}, // the agents' workspace
	"/admin":       {file: "admin.html"},                                                                                              // apps, agents, teams, push inspector
	"/sim":         {file: "sim.html"},                                                                                                // the mini program simulator
	"/demo":        {file: "demo.html"},                                                                                               // a web page with the chat widget
	"/sdk-demo":    {file: "sdk-demo.html"},
	"/widget/chat": {file: "chat.html", frameAncestors: widgetAncestors},
	// The example assistant component, framed by the workspace.
	"/components/product-picker": {file: "product-picker.html", frameAncestors: selfOnly},
}

func selfOnly(*Server, *http.Request) string { return "'self'" }

// widgetAncestors lets the chat page be framed by Kefu's own pages and by
// the origins the app (?appid=) lists as hosts of its widget.
func widgetAncestors(s *Server, r *http.Request) string {
	src := "'self'"
	if id := r.URL.Query().Get("appid"); id != "" {
		if app, err := s.Read.App(r.Context(), id); err == nil {
			for _, o := range app.WidgetOrigins {
				src += " " + o
			}
		}
	}
	return src
}

func (s *Server) pageRoutes(mux edge.RouteMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/desk", http.StatusFound) })
	mux.HandleFunc("GET /static/", s.serveStatic)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/static/img/favicon.svg"
		s.serveStatic(w, r)
	})
	// The widget loader runs on other sites' pages: a stable, public URL.
	mux.HandleFunc("GET /widget.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		r.URL.Path = "/static/widget/widget.js"
		s.serveStatic(w, r)
	})
	for p, pg := range pages {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) { s.servePage(w, r, pg) })
	}
}

// contentSecurityPolicy is the CSP of a page.
func (s *Server) contentSecurityPolicy(r *http.Request, pg page) string {
	ancestors := "'none'"
	if pg.frameAncestors != nil {
		ancestors = pg.frameAncestors(s, r)
	}
	frames := "'self'"
	if pg.frameSrc != nil {
		for _, o := range pg.frameSrc(s, r) {
			frames += " " + o
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https: http:; " +
		"media-src 'self' data:; connect-src 'self'; frame-src " + frames + "; frame-ancestors " + ancestors +
		"; base-uri 'none'; form-action 'self'; object-src 'none'"
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request, pg page) {
	if s.web == nil {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(s.web, "pages/"+pg.file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", s.contentSecurityPolicy(r, pg))
	h.Set("Cache-Control", "no-cache")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	w.Write(b)
}

// etags caches the ETag of each static file.
var etags sync.Map

// serveStatic serves /static/… from the embedded files with an ETag, so
// browsers revalidate cheaply and always run the current version.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	if s.web == nil || strings.HasPrefix(name, "pages/") || name == "" {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(s.web, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	tag, ok := etags.Load(name)
	if !ok {
		sum := sha256.Sum256(b)
		tag = `"` + hex.EncodeToString(sum[:8]) + `"`
		etags.Store(name, tag)
	}
	h := w.Header()
	if strings.HasPrefix(name, "components/") {
		// Components on other sites import the helper as a module.
		h.Set("Access-Control-Allow-Origin", "*")
	}
	h.Set("ETag", tag.(string))
	h.Set("Cache-Control", "no-cache")
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	if r.Header.Get("If-None-Match") == tag.(string) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(b)
}
