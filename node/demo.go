package node

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/node/demohook"
	"github.com/kefuhq/kefu/push"
	"github.com/kefuhq/kefu/wechat"
)

// DemoHookPath is where the built-in demo developer hook listens.
const DemoHookPath = "/demo/hook"

// DemoComponentPath is the example assistant component served by Kefu.
const DemoComponentPath = "/components/product-picker"

// Demo is what a first start creates so Kefu can be tried at once: a demo
// mini program whose push URL is the built-in demo developer hook (the
// node/demohook: it answers through /cgi-bin and transfers to a
// human when asked), the example assistant component (a product picker), and
// an admin account that auto-accepts, like agents created later (the workspace
// tells a newcomer that going online brings sessions to them).
type Demo struct {
	AppID         string
	AdminLogin    string
	AdminPassword string // only on the start that created the account
	Created       bool   // this start created the demo app

	node *Node
	mu   sync.Mutex
	hook http.Handler
	key  string // the app settings the hook was built for
}

// ensureDemo creates the demo app and the admin account if this database
// has none.
func ensureDemo(ctx context.Context, n *Node) (*Demo, error) {
	d := &Demo{node: n}
	if id, err := n.Store.Setting(ctx, "demo_app"); err == nil {
		d.AppID = id
	} else if !errors.Is(err, kefu.ErrNotFound) {
		return nil, err
	} else if apps, err := n.Store.Apps(ctx); err != nil {
		return nil, err
	} else if len(apps) == 0 {
		app := &kefu.App{ID: "wx" + strings.ToLower(engine.NewAlnum(16)), OriginalID: "gh_" + strings.ToLower(engine.NewAlnum(12)),
			Name: "Kefu Demo Shop", Secret: engine.NewSecret(16),
			Push: kefu.PushConfig{URL: n.cfg.PublicURL + DemoHookPath, Token: engine.NewAlnum(24), EncodingAESKey: engine.NewAlnum(43),
				Mode: kefu.PushSafe, Format: kefu.PushJSON,
				// The demo pushes to Kefu itself, usually on localhost.
				AllowPrivate: true}}
		app.CreatedAt = n.cfg.Clock.Now()
		app.IdentitySecret = engine.NewSecret(32)
		if err := app.Validate(); err != nil {
			return nil, err
		}
		// The hook is part of this process and not listening yet: no handshake.
		// The example assistant component, so the workspace shows one at once.
		// No emoji icon: without an emoji font it shows as a box; the workspace draws one.
		picker := &kefu.Component{Name: "Product picker", URL: DemoComponentPath, AppIDs: []string{app.ID},
			Enabled: true, CreatedAt: app.CreatedAt}
		err := n.Store.Update(ctx, func(tx kefu.Tx) error {
			if err := tx.CreateApp(ctx, app); err != nil {
				return err
			}
			if err := tx.CreateComponent(ctx, picker); err != nil {
				return err
			}
			return tx.PutSetting(ctx, "demo_app", app.ID)
		})
		if err != nil {
			return nil, err
		}
		d.AppID, d.Created = app.ID, true
	}
	agents, err := n.Store.Agents(ctx)
	if err != nil {
		return nil, err
	}
	if len(agents) == 0 {
		d.AdminLogin, d.AdminPassword = "admin", engine.NewAlnum(16)
		admin := &kefu.Agent{Login: d.AdminLogin, Name: "Admin", Role: kefu.RoleAdmin, PasswordHash: edge.HashPassword(d.AdminPassword),
			MaxSessions: kefu.DefaultMaxSessions, AutoAccept: true, Status: kefu.StatusOffline, CreatedAt: n.cfg.Clock.Now()}
		if err := n.Store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateAgent(ctx, admin) }); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// wrap serves the demo hook in front of Kefu's own handler.
func (d *Demo) wrap(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(DemoHookPath, http.HandlerFunc(d.serveHook))
	mux.Handle("/", next)
	return mux
}

// serveHook runs the demo developer's push server with the demo app's
// current settings (an admin may change its token or key).
func (d *Demo) serveHook(w http.ResponseWriter, r *http.Request) {
	if d.AppID == "" {
		http.NotFound(w, r)
		return
	}
	app, err := d.node.Store.App(r.Context(), d.AppID)
	if err != nil {
		http.Error(w, "demo app not found", http.StatusNotFound)
		return
	}
	key := app.Push.Token + "|" + app.Push.EncodingAESKey + "|" + app.Push.PreviousAESKey + "|" + string(app.Push.Mode) + "|" +
		string(app.Push.Format) + "|" + app.Secret
	d.mu.Lock()
	if d.hook == nil || d.key != key {
		ep, err := push.Endpoint(app)
		if err != nil {
			d.mu.Unlock()
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		d.hook = demohook.New(demohook.Config{Endpoint: ep, Log: d.node.cfg.Log.With("part", "demohook"),
			Client: wechat.NewClient(app.ID, app.Secret, wechat.WithBaseURL(d.node.cfg.PublicURL))})
		d.key = key
	}
	h := d.hook
	d.mu.Unlock()
	h.ServeHTTP(w, r)
}
