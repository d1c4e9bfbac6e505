// <kefu-components> hangs assistant components (seed 001) in the workspace:
// a tab per component the agent may use in the open conversation, each an
// iframe of the component's page. It is the only door between a component
// and Kefu:
//
// - it accepts messages only from its own component frames, and only from
//   each frame's registered origin (never "*");
// - it relays {method: "sendMsg", type, content} to the server, which
//   enforces every rule, and answers the frame with the result — sent, or
//   refused and why — and tells the agent ("kefu-component-result");
// - on load and whenever the agent switches conversation it posts the frame a
//   versioned context with a short-lived signed token;
// - {method: "insertText", text} fills the agent's composer
//   ("kefu-insert-text", bubbling) instead of sending.
//
// Usage:
//   const el = document.createElement("kefu-components");
//   el.api = { get: (path) => …json, post: (path, body) => …json };  // desk API with CSRF; throw {code, message}
//   el.conversationId = 42;   // or null when no conversation is open
//
// Events (bubble): "kefu-component-result" {component, type, ok, error},
//                  "kefu-insert-text" {component, text}.

import { t } from "/static/js/i18n.js";

class KefuComponents extends HTMLElement {
  constructor() {
    super();
    this.api = null;
    this.convId = null;
    this.components = [];        // as last listed for the conversation
    this.frames = new Map();     // component id → {iframe, origin, ready}
    this.selected = null;
    this.onMessage = (e) => this.receive(e);
  }

  connectedCallback() {
    window.addEventListener("message", this.onMessage);
    if (!this.firstChild) {
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

  disconnectedCallback() { window.removeEventListener("message", this.onMessage); }

  get conversationId() { return this.convId; }

  set conversationId(id) {
    this.convId = id || null;
    this.refresh();
  }

  /** Reloads the components (and fresh contexts) of the open conversation. */
  async refresh() {
    const id = this.convId;
    if (!id || !this.api) { this.components = []; this.render(); return; }
    let list = [];
    try { list = (await this.api.get(`/api/desk/conversations/${id}/components`)).components || []; } catch { list = []; }
    if (id !== this.convId) return; // switched again meanwhile
    this.components = list;
    this.render();
    for (const c of list) this.postContext(c);
  }

  render() {
    if (!this.tabs) return;
    this.empty.textContent = this.convId ? t("components.none") : t("components.open_conversation");
    this.empty.hidden = this.components.length > 0;
    const ids = new Set(this.components.map((c) => c.id));
    for (const [id, f] of this.frames) if (!ids.has(id)) { f.iframe.remove(); this.frames.delete(id); }
    if (!ids.has(this.selected)) this.selected = this.components.length ? this.components[0].id : null;
    this.tabs.replaceChildren(...this.components.map((c) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "kc-tab";
      b.setAttribute("role", "tab");
      b.setAttribute("aria-selected", String(c.id === this.selected));
      b.dataset.component = c.id;
      b.textContent = c.icon ? `${c.icon} ${c.name}` : c.name;
      b.addEventListener("click", () => { this.selected = c.id; this.render(); });
      return b;
    }));
    for (const c of this.components) {
      const f = this.frameFor(c);
      f.iframe.hidden = c.id !== this.selected;
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
    iframe.title = c.name;
    iframe.dataset.component = c.id;
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox");
    iframe.setAttribute("referrerpolicy", "no-referrer");
    iframe.src = url.href;
    f = { iframe, origin, ready: false };
    iframe.addEventListener("load", () => { f.ready = true; this.postContext(this.components.find((x) => x.id === c.id)); });
    this.frames.set(c.id, f);
    this.panel.append(iframe);
    return f;
  }

  postContext(c) {
    const f = c && this.frames.get(c.id);
    if (!f || !f.ready || !f.iframe.contentWindow) return;
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
        if (comp) reply({ type: "context", context: comp.context });
        return;
      case "insertText":
        if (typeof msg.text === "string" && msg.text.length <= 4000) {
          this.dispatchEvent(new CustomEvent("kefu-insert-text", { bubbles: true, detail: { component: comp, text: msg.text } }));
        }
        return;
      case "sendMsg": {
        const id = typeof msg.id === "string" ? msg.id.slice(0, 64) : undefined;
        let result;
        if (!this.convId || !comp) {
          result = { ok: false, error: { code: "invalid", message: t("components.open_conversation") } };
        } else {
          try {
            const message = await this.api.post(`/api/desk/conversations/${this.convId}/component-messages`,
              { component_id: comp.id, method: "sendMsg", type: msg.type, content: msg.content });
            result = { ok: true, message };
          } catch (err) {
            result = { ok: false, error: { code: err.code || "internal", message: err.message || t("common.error_generic") } };
          }
        }
        reply({ type: "result", id, ...result });
        this.dispatchEvent(new CustomEvent("kefu-component-result", { bubbles: true,
          detail: { component: comp, type: msg.type, ok: result.ok, error: result.error } }));
      }
    }
  }
}

customElements.define("kefu-components", KefuComponents);
