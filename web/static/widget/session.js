// session.js: one customer's chat, wired together — the KefuClient (API
// and WebSocket), the Conversation (what is shown), and the elements that
// show it and take input: <kefu-chat-log>, <kefu-composer>,
// <kefu-card-offer> and <kefu-image-viewer>. The widget's chat page and the
// mini program simulator both use it, each with its own surroundings.
//
//   const chat = new ChatSession({ appid, channel: "web", t, els, appName: () => name, onNavigate });
//   chat.setWho({ visitorID, identity, name });
//   await chat.start();                 // identify and connect, once
//   await chat.enter(sessionFrom, card);
//
// Events: "identified" (detail: the session), "failed" (detail: the error of
// identifying), "status" (the connection), "change" (the conversation's).

import { newClientID } from "/static/js/socket.js";
import { KefuClient } from "/static/widget/client.js";
import { Conversation } from "/static/widget/conversation.js";
import { loadJSON, saveJSON } from "/static/widget/identity.js";

const INITIAL = 60;          // how far back a (re)load shows, in sequence numbers
const PAGE = 60;             // "load earlier" step
const MAX_IMAGE = 10 << 20;  // the server's upload limit
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const TYPING_LASTS = 16000;  // an agent's typing indicator without renewal (WeChat: 15 s)

export class ChatSession extends EventTarget {
  /**
   * @param {{appid: string, channel: string, t: Function, els: {log, composer, offer, viewer},
   *          appName: () => string, onNavigate: (path, query) => void}} o
   */
  constructor(o) {
    super();
    this.o = o;
    this.t = o.t;
    this.conv = new Conversation();
    this.client = null;
    this.who = null;
    this.whoKey = "";
    this.starting = null;
    this.opened = false;     // the chat is on screen (messages count as read)
    this.connection = "offline";
    this.files = new Map();  // client_msg_id → File, to retry an upload
    this.loadedAfter = 0;    // history is loaded from this sequence number on
    const { log, composer, offer, viewer } = o.els;
    log.attach(this.conv, {
      t: this.t, appName: o.appName,
      onNavigate: (path, query) => o.onNavigate(path, query),
      onPreview: (src) => viewer.open(src, this.t),
      loadEarlier: () => this.loadEarlier(),
      retry: (id) => this.retry(id),
      discard: (id) => this.discard(id),
    });
    composer.setLabels(this.t);
    composer.addEventListener("send-text", (e) => this.sendText(e.detail.text));
    composer.addEventListener("send-image", (e) => this.sendImage(e.detail.file));
    composer.addEventListener("typing", (e) => this.client && this.client.typing(e.detail.on));
    offer.addEventListener("send", (e) => this.sendCard(e.detail));
    this.conv.addEventListener("change", (e) => {
      if (e.detail.what === "messages") this.markRead();
      if (e.detail.what === "pending") this.savePending();
      this.dispatchEvent(new CustomEvent("change", { detail: e.detail }));
    });
    document.addEventListener("visibilitychange", () => this.markRead());
  }

  /** Says who the customer is: {visitorID} or {identity}, and a name. Someone else starts afresh. */
  setWho(who) {
    const key = who.identity ? `user:${who.identity.user_id}` : `visitor:${who.visitorID}`;
    if (this.whoKey && key !== this.whoKey) this.stop();
    this.who = who;
    this.whoKey = key;
  }

  /** Forgets the customer and what was shown. */
  stop() {
    if (this.client) this.client.disconnect();
    this.client = null;
    this.starting = null;
    this.conv.reset();
  }

  /** Identifies the customer and connects, once; resolves to the client. */
  start() {
    if (!this.starting) {
      this.starting = this.identify().catch((err) => {
        this.starting = null;
        this.dispatchEvent(new CustomEvent("failed", { detail: err }));
        throw err;
      });
    }
    return this.starting;
  }

  async identify() {
    const c = new KefuClient({ appid: this.o.appid, channel: this.o.channel });
    const s = await c.identify(this.who);
    if (this.client) this.client.disconnect();
    this.client = c;
    c.addEventListener("message", (e) => this.conv.add([e.detail]));
    c.addEventListener("ack", (e) => { this.files.delete(e.detail.clientMsgID); this.conv.add([e.detail.message]); });
    c.addEventListener("failed", (e) => this.conv.failPending(e.detail.clientMsgID, e.detail.message));
    c.addEventListener("retrying", (e) => this.conv.retryingPending(e.detail.clientMsgID));
    c.addEventListener("state", (e) => this.conv.setState(e.detail));
    c.addEventListener("typing", (e) => this.onTyping(e.detail));
    c.addEventListener("synced", () => this.markRead());
    c.addEventListener("status", (e) => this.onStatus(e.detail));
    c.addEventListener("unauthorized", () => { this.starting = null; this.start(); });
    this.conv.readSeq = Math.max(this.conv.readSeq, s.state.read_seq || 0);
    this.conv.setState(s.state);
    const last = this.conv.lastSeq();
    if (!last) this.loadedAfter = Math.max(0, s.state.last_seq - INITIAL);
    this.conv.complete = this.loadedAfter === 0;
    this.conv.changed("reset");
    this.restorePending();
    c.connect(last || this.loadedAfter);
    this.dispatchEvent(new CustomEvent("identified", { detail: s }));
    return c;
  }

  /** Opens the chat: the developer receives user_enter_tempsession. */
  async enter(sessionFrom, card) {
    const c = await this.start();
    const st = await c.enter(sessionFrom, card);
    this.conv.setState(st);
    return st;
  }

  onTyping(ty) {
    clearTimeout(this.typingTimer);
    this.conv.setTyping(ty, this.conv.state.agent && this.conv.state.agent.name);
    if (ty && ty.on) this.typingTimer = setTimeout(() => this.conv.setTyping(null), TYPING_LASTS);
  }

  onStatus(status) {
    this.connection = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
    clearTimeout(this.probe);
    // A WebSocket refused for an expired token looks like any failure: ask.
    if (status === "offline") this.probe = setTimeout(() => this.client && this.client.check(), 3000);
  }

  /** Says whether the chat is on screen. */
  setOpened(open) {
    this.opened = open;
    this.markRead();
  }

  /** Moves the read marker to the newest message while the chat is on screen. */
  markRead() {
    const c = this.client;
    const last = this.conv.lastSeq();
    if (!c || !last) return;
    if (this.opened && document.visibilityState === "visible") {
      if (last > this.conv.readSeq) {
        this.conv.markRead(last);
        c.read(last, last);
      }
    } else {
      c.read(last, this.conv.readSeq);
    }
  }

  async loadEarlier() {
    if (!this.client || this.conv.complete) return;
    const after = Math.max(0, this.loadedAfter - PAGE);
    const msgs = await this.client.history(after, this.loadedAfter - after);
    this.loadedAfter = after;
    this.conv.complete = after === 0;
    if (!this.conv.add(msgs).length) this.conv.changed("reset");
  }

  // --- sending ------------------------------------------------------------

  async sendText(text) {
    this.o.els.offer.hide(); // the customer moved on
    const c = await this.start();
    const body = { content: text };
    this.conv.addPending({ clientMsgID: c.send("text", body), kind: "text", body });
  }

  /**
   * Sends the offered card {title, path, img} as a mini program card. Like
   * WeChat's client, it uploads the picture first, so the developer's push
   * carries a ThumbMediaId they can fetch as well as the ThumbUrl; a picture
   * the chat page may not read (another origin) goes as the URL alone.
   */
  async sendCard(card) {
    const c = await this.start();
    const body = { title: card.title, pagepath: card.path };
    if (card.img) {
      body.thumb_url = card.img;
      const id = await this.uploadThumb(c, card.img);
      if (id) body.thumb_media_id = id;
    }
    this.conv.addPending({ clientMsgID: c.send("miniprogrampage", body), kind: "miniprogrampage", body });
  }

  /** Uploads a card's picture; returns its media id, or "" when it cannot be read or is not an image the server takes. */
  async uploadThumb(c, url) {
    let u;
    try { u = new URL(url, location.href); } catch { return ""; }
    if (u.protocol !== "https:" && u.protocol !== "http:") return "";
    try {
      const res = await fetch(u, { credentials: "omit", signal: AbortSignal.timeout(5000) });
      if (!res.ok) return "";
      const blob = await res.blob();
      if (!IMAGE_TYPES.includes(blob.type) || blob.size > MAX_IMAGE) return "";
      const up = await c.upload(new File([blob], "thumb" + (blob.type === "image/png" ? ".png" : ".jpg"), { type: blob.type }));
      return up.media_id || "";
    } catch {
      return "";
    }
  }

  async sendImage(file) {
    this.o.els.offer.hide();
    const id = newClientID();
    this.conv.addPending({ clientMsgID: id, kind: "image", body: null, preview: URL.createObjectURL(file) });
    if (!IMAGE_TYPES.includes(file.type)) { this.conv.failPending(id, this.t("chat.image_type")); return; }
    if (file.size > MAX_IMAGE) { this.conv.failPending(id, this.t("chat.image_size")); return; }
    this.files.set(id, file);
    await this.upload(id);
  }

  async upload(id) {
    const file = this.files.get(id);
    const p = this.conv.pending.get(id);
    if (!file || !p) return;
    try {
      const c = await this.start();
      const up = await c.upload(file);
      p.body = { media_id: up.media_id };
      p.status = "sending";
      this.conv.changed("pending");
      c.send("image", p.body, id);
    } catch (err) {
      this.conv.failPending(id, err.message);
    }
  }

  retry(id) {
    const p = this.conv.pending.get(id);
    if (!p || !this.client) return;
    p.status = "sending";
    p.error = "";
    this.conv.changed("pending");
    if (p.kind === "image" && !p.body) this.upload(id);
    else this.client.send(p.kind, p.body, id);
  }

  discard(id) {
    const p = this.conv.pending.get(id);
    if (p && p.preview) URL.revokeObjectURL(p.preview);
    if (this.client) this.client.outbox.delete(id);
    this.files.delete(id);
    this.conv.dropPending(id);
  }

  // Messages not yet acknowledged survive a reload: they are sent again
  // with the same client_msg_id, and the server stores each once.
  pendingKey() { return this.client && `kefu.pending.${this.o.appid}.${this.client.openid}`; }

  savePending() {
    const key = this.pendingKey();
    if (!key) return;
    const keep = [...this.conv.pending.values()].filter((p) => p.body && p.status === "sending")
      .map((p) => ({ clientMsgID: p.clientMsgID, kind: p.kind, body: p.body }));
    saveJSON(key, keep.length ? keep : null);
  }

  restorePending() {
    const saved = loadJSON(this.pendingKey());
    if (!Array.isArray(saved)) return;
    for (const p of saved) {
      if (!p || typeof p.clientMsgID !== "string" || !["text", "image", "miniprogrampage"].includes(p.kind) || !p.body) continue;
      this.client.send(p.kind, p.body, p.clientMsgID);
      this.conv.addPending({ clientMsgID: p.clientMsgID, kind: p.kind, body: p.body });
    }
  }
}
