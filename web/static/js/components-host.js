// <kefu-components> hangs assistant components in the workspace:
// a tab per component the agent may use in the open conversation, each an
// iframe of the component's page. It is the only door between a component
// and Kefu:
//
// - it accepts messages only from its own component frames, and only from
//   each frame's registered origin (never "*");
// - it relays {method: "sendMsg", type, content} to the server, which
//   enforces every rule, and answers the frame with the result — sent, or
//   refused and why — and tells the agent ("kefu-component-result");
// - on load, whenever the agent switches conversation, on refresh() and
//   before the token runs out, it posts each frame a versioned context with a
//   short-lived signed token;
// - {method: "insertText", text} fills the agent's composer
//   ("kefu-insert-text", bubbling) instead of sending.
//
// Frames stay loaded while the agent switches conversation (the component
// keeps its state and gets the new context), and while the element is
// hidden.
//
// Usage:
//   const el = document.createElement("kefu-components");
//   el.api = { get: (path) => …json, post: (path, body) => …json };  // desk API with CSRF; throw {code, message}
//   el.conversationId = 42;   // or null when no conversation is open
//   el.refresh();             // after a reconnect or a change of the conversation: fresh list and contexts
//
// Attributes: external-tabs — draw no tab strip; the page shows the tabs
//             (read .components, call .select(id), listen to "kefu-components-change").
// Events (bubble): "kefu-component-result" {component, type, ok, error},
//                  "kefu-insert-text" {component, text},
//                  "kefu-components-change" {components, selected}.

import { t } from "/static/js/i18n.js";

// How often contexts (and their tokens, valid 10 minutes) are renewed.
const RENEW_EVERY = 4 * 60 * 1000;

class KefuComponents extends HTMLElement {
  constructor() {
    super();
    this.api = null;
    this.convId = null;
    this.listedFor = null;       // the conversation this.components belongs to
    this.components = [];        // as last listed for the conversation
    this.frames = new Map();     // component id → {iframe, origin, ready, blocked}
    this.selected = null;
    this.renewTimer = 0;
    this.onMessage = (e) => this.receive(e);
    this.onViolation = (e) => this.blocked(e);
  }

  connectedCallback() {
    window.addEventListener("message", this.onMessage);
    document.addEventListener("securitypolicyviolation", this.onViolation);
    if (!this.panel) {
      this.tabs = document.createElement("div");
      this.tabs.className = "kc-tabs";
      this.tabs.setAttribute("role", "tablist");
      this.tabs.setAttribute("aria-label", t("components.tools"));
      this.panel = document.createElement("div");
      this.panel.className = "kc-panel";
      this.empty = document.createElement("p");
      this.empty.className = "kc-empty";
      this.append(this.tabs, this.panel, this.empty);
    }
    this.render();
  }

  disconnectedCallback() {
    window.removeEventListener("message", this.onMessage);
    document.removeEventListener("securitypolicyviolation", this.onViolation);
    clearTimeout(this.renewTimer);
  }

  get conversationId() { return this.convId; }

  set conversationId(id) {
    id = id || null;
    if (id === this.convId) return;
    this.convId = id;
    this.listedFor = null; // the contexts we hold are the old conversation's
    this.refresh();
  }

  /** Shows the component with this id (a tab click, or the page's own tabs). */
  select(id) {
    if (!this.components.some((c) => c.id === id)) return;
    this.selected = id;
    this.render();
  }

  /** Reloads the components (and fresh contexts) of the open conversation. */
  async refresh() {
    clearTimeout(this.renewTimer);
    const id = this.convId;
    if (!id || !this.api) { this.show(null, []); return; }
    let list;
    try {
      list = (await this.api.get(`/api/desk/conversations/${id}/components`)).components || [];
    } catch (err) {
      if (id !== this.convId) return;
      // A passing failure (the network, a restart) keeps the frames as they
      // are; a conversation the agent may not see shows none.
      if (!err || !err.status || err.status >= 500) { this.renewTimer = setTimeout(() => this.refresh(), 5000); return; }
      list = [];
    }
    if (id !== this.convId) return; // switched again meanwhile
    this.show(id, list);
    for (const c of list) this.postContext(c);
    this.renewTimer = setTimeout(() => this.refresh(), RENEW_EVERY);
  }

  show(id, list) {
    this.listedFor = id;
    this.components = list;
    this.render();
    this.dispatchEvent(new CustomEvent("kefu-components-change", { bubbles: true, detail: { components: list, selected: this.selected } }));
  }

  render() {
    if (!this.panel) return;
    const own = !this.hasAttribute("external-tabs");
    this.tabs.hidden = !own || this.components.length === 0;
    this.empty.textContent = this.convId ? t("components.none") : t("components.open_conversation");
    this.empty.hidden = this.components.length > 0;
    const ids = new Set(this.components.map((c) => c.id));
    for (const [id, f] of this.frames) if (!ids.has(id)) { f.box.remove(); this.frames.delete(id); }
    if (!ids.has(this.selected)) this.selected = this.components.length ? this.components[0].id : null;
    if (own) {
      this.tabs.replaceChildren(...this.components.map((c) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "kc-tab";
        b.setAttribute("role", "tab");
        b.setAttribute("aria-selected", String(c.id === this.selected));
        b.dataset.component = c.id;
        b.textContent = c.icon ? `${c.icon} ${c.name}` : c.name;
        b.addEventListener("click", () => this.select(c.id));
        return b;
      }));
    }
    for (const c of this.components) {
      const f = this.frameFor(c);
      f.iframe.title = c.name;
      f.box.hidden = c.id !== this.selected;
    }
  }

  frameFor(c) {
    let f = this.frames.get(c.id);
    if (f) return f;
    const own = c.frame_url.startsWith("/");
    const origin = own ? location.origin : c.origin;
    const url = new URL(c.frame_url, location.href);
    url.searchParams.set("kefu_origin", location.origin);
    const iframe = document.createElement("iframe");
    iframe.className = "kc-frame";
    iframe.title = t("components.frame_title", { name: c.name }); // the admin's name as given, in our words around it
    iframe.dataset.component = c.id;
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox");
    iframe.setAttribute("referrerpolicy", "no-referrer");
    iframe.src = url.href;
    // A note in place of the frame when the workspace may not frame it yet
    // (a component registered after the page loaded: its origin is not in
    // this page's Content-Security-Policy until a reload).
    const note = document.createElement("div");
    note.className = "kc-blocked";
    note.hidden = true;
    const text = document.createElement("p");
    text.textContent = t("components.reload_needed");
    const reload = document.createElement("button");
    reload.type = "button";
    reload.className = "btn btn-primary";
    reload.textContent = t("components.reload");
    reload.addEventListener("click", () => location.reload());
    note.append(text, reload);
    const box = document.createElement("div");
    box.className = "kc-box";
    box.dataset.component = c.id;
    box.append(iframe, note);
    f = { iframe, box, note, origin, ready: false };
    iframe.addEventListener("load", () => { f.ready = true; this.postContext(this.components.find((x) => x.id === c.id)); });
    this.frames.set(c.id, f);
    this.panel.append(box);
    return f;
  }

  blocked(e) {
    if (e.effectiveDirective !== "frame-src" && e.violatedDirective !== "frame-src") return;
    let origin;
    try { origin = new URL(e.blockedURI).origin; } catch { return; }
    for (const f of this.frames.values()) {
      if (f.origin === origin) { f.iframe.hidden = true; f.note.hidden = false; }
    }
  }

  postContext(c) {
    const f = c && this.frames.get(c.id);
    if (!f || !f.ready || !f.iframe.contentWindow || this.listedFor !== this.convId) return;
    f.iframe.contentWindow.postMessage({ kefu: 1, type: "context", context: c.context }, f.origin);
  }

  /** Which of our frames sent e, if it came from that frame's registered origin. */
  sender(e) {
    for (const [id, f] of this.frames) {
      if (f.iframe.contentWindow === e.source) return e.origin === f.origin ? { id, f } : null;
    }
    return null;
  }

  async receive(e) {
    const from = this.sender(e);
    if (!from) return; // not one of our frames, or not from its registered origin: ignored
    let msg = e.data;
    if (typeof msg === "string") { try { msg = JSON.parse(msg); } catch { return; } }
    if (!msg || typeof msg !== "object") return;
    const comp = this.components.find((c) => c.id === from.id);
    const reply = (body) => from.f.iframe.contentWindow && from.f.iframe.contentWindow.postMessage({ kefu: 1, ...body }, from.f.origin);
    switch (msg.method) {
      case "ready":
        if (comp && this.listedFor === this.convId) reply({ type: "context", context: comp.context });
        return;
      case "insertText":
        if (comp && typeof msg.text === "string" && msg.text.length <= 4000) {
          this.dispatchEvent(new CustomEvent("kefu-insert-text", { bubbles: true, detail: { component: comp, text: msg.text } }));
        }
        return;
      case "sendMsg": {
        const id = typeof msg.id === "string" ? msg.id.slice(0, 64) : undefined;
        const convId = this.convId;
        let result;
        if (!convId || !comp) {
          result = { ok: false, error: { code: "invalid", message: t("components.open_conversation") } };
        } else {
          try {
            const message = await this.api.post(`/api/desk/conversations/${convId}/component-messages`,
              { component_id: comp.id, method: "sendMsg", type: msg.type, content: msg.content });
            result = { ok: true, message };
          } catch (err) {
            result = { ok: false, error: { code: err.code || "internal", message: err.message || t("common.error_generic") } };
          }
        }
        reply({ type: "result", id, ...result });
        this.dispatchEvent(new CustomEvent("kefu-component-result", { bubbles: true,
          detail: { component: comp, conversationId: convId, type: msg.type, ok: result.ok, error: result.error } }));
      }
    }
  }
}

customElements.define("kefu-components", KefuComponents);
