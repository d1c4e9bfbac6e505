// kefu-component.js — a small helper for Kefu assistant components.
//
// A component is a page that Kefu's workspace shows beside the conversation.
// It sends messages to the customer exactly as the assistant-component protocol describes —
// window.parent.postMessage(JSON.stringify({method: "sendMsg", type, content}), origin) —
// and this helper adds what the protocol leaves out: the context (which
// conversation, customer and agent, with a signed token your back end can
// verify with Kefu), an answer for every message (sent, or refused and why),
// and insertText to fill the agent's composer instead of sending.
//
//   import { KefuComponent } from "https://kefu.example/static/components/kefu-component.js";
//   const kefu = new KefuComponent();
//   kefu.onContext((ctx) => show(ctx.customer.channel));
//   try { await kefu.sendText("Hello!"); } catch (e) { alert(e.message); }
//
// The workspace passes its own origin to the frame as ?kefu_origin=…; the
// helper posts only to that origin and accepts messages only from it.

export class KefuComponent {
  constructor({ origin } = {}) {
    this.origin = origin || new URLSearchParams(location.search).get("kefu_origin") || location.origin;
    this.context = null;
    this.listeners = [];
    this.pending = new Map();
    this.seq = 0;
    window.addEventListener("message", (e) => this.receive(e));
    this.post({ method: "ready" });
  }

  /** Calls fn with the context now (if known) and whenever it changes. */
  onContext(fn) {
    this.listeners.push(fn);
    if (this.context) fn(this.context);
  }

  /** Sends a message (the protocol's types: text, rich, product, miniprogrampage). */
  send(type, content) {
    const id = `m${++this.seq}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ method: "sendMsg", type, content, id });
      setTimeout(() => {
        if (this.pending.delete(id)) reject(Object.assign(new Error("the workspace did not answer"), { code: "timeout" }));
      }, 15000);
    });
  }

  sendText(text) { return this.send("text", text); }
  sendRich(html) { return this.send("rich", html); }
  /** product: {name, url, imgUrl, params: [{text, color, fold, break, size}]} */
  sendProduct(product) { return this.send("product", product); }
  /** card: {title, pagepath, thumb_media_id | pic_url} */
  sendMiniProgramPage(card) { return this.send("miniprogrampage", card); }

  /** Puts text into the agent's composer without sending it. */
  insertText(text) { this.post({ method: "insertText", text: String(text) }); }

  post(msg) { window.parent.postMessage(JSON.stringify(msg), this.origin); }

  receive(e) {
    if (e.source !== window.parent || e.origin !== this.origin) return;
    let msg = e.data;
    if (typeof msg === "string") { try { msg = JSON.parse(msg); } catch { return; } }
    if (!msg || msg.kefu !== 1) return;
    if (msg.type === "context") {
      this.context = msg.context;
      for (const fn of this.listeners) fn(msg.context);
    } else if (msg.type === "result" && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.message);
      else p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
    }
  }
}
