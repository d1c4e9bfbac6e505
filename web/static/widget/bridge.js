// bridge.js: the chat's side of the postMessage conversation with the page
// that embeds it (the widget loader, widget.js). The loader names its origin
// in ?host=; the bridge trusts it only if the app lists it (or it is Kefu
// itself) and, where the browser tells, it really is the parent's origin.
// Messages go to that origin only — never "*" — and only messages from the
// parent window at that origin are heard.
//
// From the loader: "init" {identity, name, webview}, "open" {sessionFrom,
// showMessageCard, card}, "close". To the loader: "ready" {labels},
// "unread" {count}, "contact" {path, query}, "close", "error" {code, message}.

export class ParentBridge extends EventTarget {
  /**
   * @param {string[]} allowed origins that may embed this app's chat
   */
  constructor(allowed) {
    super();
    this.framed = window.parent !== window;
    const host = new URLSearchParams(location.search).get("host") || "";
    const ancestors = location.ancestorOrigins;
    const actual = ancestors && ancestors.length ? ancestors[0] : host;
    this.host = this.framed && host && actual === host && [location.origin, ...allowed].includes(host) ? host : "";
    if (!this.host) return;
    window.addEventListener("message", (e) => {
      if (e.source !== window.parent || e.origin !== this.host) return;
      const d = e.data;
      if (!d || typeof d !== "object" || typeof d.type !== "string" || !d.type.startsWith("kefu:")) return;
      this.dispatchEvent(new CustomEvent(d.type.slice(5), { detail: d }));
    });
  }

  /** Whether a trusted page embeds the chat. */
  get connected() { return this.host !== ""; }

  /** Sends a message to the embedding page. */
  post(type, data = {}) {
    if (this.host) window.parent.postMessage({ ...data, type: `kefu:${type}` }, this.host);
  }
}
