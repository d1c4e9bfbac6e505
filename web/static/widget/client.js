// client.js: one customer's connection to Kefu through the client API
// (docs/client-api.md). It identifies, opens the chat, uploads, and owns the
// WebSocket: it resumes after the last sequence number seen, drops what it
// already has, and sends every message with a client_msg_id that stays the
// same on every retry, so a send repeated after a reconnect is stored once.
//
//   const c = new KefuClient({ appid, channel: "web" });
//   c.addEventListener("message", (e) => conversation.add(e.detail));
//   await c.identify({ visitorID });
//   c.connect(lastSeq);
//   c.send("text", { content: "hi" });
//
// Events: "message" (a stored message), "ack" ({clientMsgID, message}),
// "failed" ({clientMsgID, code, message}), "state", "typing", "synced",
// "status" ("connecting" | "online" | "offline"), "unauthorized".

import { KefuSocket, newClientID } from "/static/js/socket.js";

/** An error answer of the client API. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

export class KefuClient extends EventTarget {
  /** @param {{appid: string, channel?: string, sdkVersion?: string}} o */
  constructor(o) {
    super();
    this.appid = o.appid;
    this.channel = o.channel || "web";
    this.sdkVersion = o.sdkVersion || "";
    this.token = "";
    this.openid = "";
    this.lastSeq = 0;     // highest sequence number received in order: where a reconnect resumes
    this.synced = false;  // the current connection has delivered its backlog
    this.outbox = new Map(); // client_msg_id → frame not yet acknowledged
    this.retries = new Map(); // client_msg_id → tries after "unavailable"
    this.socket = null;
  }

  /** Calls the client API; resolves to the decoded JSON answer. */
  async api(method, path, body, opts = {}) {
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    const res = await fetch(path, { method, headers, body: payload, credentials: opts.credentials || "omit" });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (!res.ok) {
      const err = (data && data.error) || {};
      if (res.status === 401 && this.token) this.dispatchEvent(new CustomEvent("unauthorized", { detail: err }));
      throw new APIError(res.status, err.code || "http", err.message || `HTTP ${res.status}`);
    }
    return data;
  }

  /**
   * Identifies the customer: {visitorID} or {identity: {user_id, timestamp, signature}}, and a name.
   * Resolves to the session ({token, openid, state}).
   */
  async identify({ visitorID, identity, name }) {
    const body = { appid: this.appid, channel: this.channel, name: name || "" };
    if (this.sdkVersion) body.sdk_version = this.sdkVersion;
    if (identity) body.identity = identity;
    else body.visitor_id = visitorID;
    const s = await this.api("POST", "/api/client/sessions", body);
    this.token = s.token;
    this.openid = s.openid;
    return s;
  }

  /** Opens the chat: the developer receives user_enter_tempsession. Resolves to the state. */
  enter(sessionFrom, card) {
    return this.api("POST", "/api/client/enter", { session_from: sessionFrom || "", card: card || null });
  }

  /** Reads the messages numbered after `after`, at most limit of them (events count, unseen). */
  async history(after, limit) {
    const out = await this.api("GET", `/api/client/messages?after=${after}&limit=${limit}`);
    return out.messages || [];
  }

  /** Uploads an image file; resolves to {media_id, url}. */
  upload(file) {
    const fd = new FormData();
    fd.append("media", file, file.name || "image");
    return this.api("POST", "/api/client/media", fd);
  }

  /** Follows the conversation live, resuming after seq. */
  connect(after = 0) {
    this.lastSeq = Math.max(this.lastSeq, after);
    if (this.socket) this.socket.stop();
    const sock = new KefuSocket(() => `/api/client/ws?token=${encodeURIComponent(this.token)}&after=${this.lastSeq}`);
    this.socket = sock;
    sock.addEventListener("frame", (e) => this.onFrame(e.detail));
    sock.addEventListener("status", (e) => {
      if (e.detail !== "online") this.synced = false;
      this.dispatchEvent(new CustomEvent("status", { detail: e.detail }));
    });
    sock.start();
  }

  /** Checks the token (a refused WebSocket says nothing about why); 401 dispatches "unauthorized". */
  async check() {
    try { await this.api("GET", "/api/client/state"); } catch { /* reported by api() */ }
  }

  /** Stops following the conversation. */
  disconnect() {
    if (this.socket) this.socket.stop();
    this.socket = null;
    this.synced = false;
  }

  onFrame(f) {
    switch (f.type) {
      case "message":
        if (!f.message || f.message.seq <= this.lastSeq) return; // already have it
        this.lastSeq = f.message.seq;
        if (f.message.client_msg_id) this.outbox.delete(f.message.client_msg_id); // stored: no need to send again
        this.emit("message", f.message);
        return;
      case "synced":
        this.lastSeq = Math.max(this.lastSeq, f.last_seq || 0);
        this.synced = true;
        this.emit("synced", { lastSeq: this.lastSeq });
        for (const frame of this.outbox.values()) this.socket.send(frame); // retried: the server dedupes
        return;
      case "sent":
        // The acknowledgement carries the stored message; its seq is not a
        // resume point (earlier messages may still be on their way).
        this.outbox.delete(f.client_msg_id);
        this.retries.delete(f.client_msg_id);
        this.emit("ack", { clientMsgID: f.client_msg_id, message: f.message });
        return;
      case "error":
        if (f.client_msg_id && this.outbox.has(f.client_msg_id) && f.error && f.error.code === "unavailable") {
          this.retryLater(f.client_msg_id); // an outage: the same frame again, stored once
          return;
        }
        if (f.client_msg_id && this.outbox.has(f.client_msg_id)) {
          this.retries.delete(f.client_msg_id);
          this.outbox.delete(f.client_msg_id);
          this.emit("failed", { clientMsgID: f.client_msg_id, code: f.error && f.error.code, message: f.error && f.error.message });
        }
        return;
      case "state": this.emit("state", f.state); return;
      case "typing": this.emit("typing", f.typing); return;
    }
  }

  /** Sends a frame again after an outage answer, with a growing, jittered pause (at most 10 s). */
  retryLater(clientMsgID) {
    const tries = (this.retries.get(clientMsgID) || 0) + 1;
    this.retries.set(clientMsgID, tries);
    this.emit("retrying", { clientMsgID });
    const pause = Math.min(10000, 250 * 2 ** Math.min(tries, 6));
    setTimeout(() => {
      const frame = this.outbox.get(clientMsgID);
      if (frame && this.synced && this.socket) this.socket.send(frame); // else the next "synced" sends it
    }, pause / 2 + Math.random() * pause / 2);
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  /**
   * Sends a message (kind "text" | "image" | "miniprogrampage", body as the
   * API wants it). Returns its client_msg_id. It goes out now if connected,
   * else as soon as the connection is back; until acknowledged it is sent
   * again after every reconnect.
   */
  send(kind, body, clientMsgID = newClientID()) {
    const frame = { type: "send", message: { client_msg_id: clientMsgID, kind, [kind]: body } };
    this.outbox.set(clientMsgID, frame);
    if (this.synced && this.socket) this.socket.send(frame);
    return clientMsgID;
  }

  /** Tells the agent whether the customer is typing (dropped when offline). */
  typing(on) {
    if (this.synced && this.socket) this.socket.send({ type: "typing", on });
  }

  /** Reports what the customer has received and seen. */
  read(delivered, read) {
    if (this.synced && this.socket) this.socket.send({ type: "read", delivered, read });
  }
}
