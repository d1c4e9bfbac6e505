// KefuSocket owns one WebSocket: it connects, reconnects with backoff and
// jitter, pings so idle proxies keep it open, and hands every frame to its
// listeners. Resuming is the caller's: url() is called before every
// (re)connect, so it can put the last sequence number it has seen in the URL
// (the server then sends exactly what was missed).
//
//   const sock = new KefuSocket(() => `/api/client/ws?token=${tok}&after=${lastSeq}`);
//   sock.addEventListener("frame", (e) => handle(e.detail));
//   sock.addEventListener("status", (e) => show(e.detail)); // "connecting" | "online" | "offline"
//   sock.start();
//
// Events: "frame" (detail: the parsed JSON frame), "status", "open", "close".

const PING_EVERY = 25000;
const MAX_BACKOFF = 15000;

export class KefuSocket extends EventTarget {
  /** @param {() => string} url a function returning the path or URL to connect to */
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.attempt = 0;
    this.stopped = true;
    this.status = "offline";
    this.timer = null;
    this.pinger = null;
    this.onOnline = () => this.reconnectNow();
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000, "bye");
    this.ws = null;
    this.setStatus("offline");
  }

  /** Sends a frame if connected; returns whether it was sent. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Drops the connection and reconnects at once (for tests and "retry now"). */
  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    if (this.ws) { this.ws.onclose = null; this.ws.close(); this.ws = null; }
    this.connect();
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.dispatchEvent(new CustomEvent("status", { detail: s }));
  }

  connect() {
    if (this.stopped) return;
    this.setStatus("connecting");
    let target = this.url();
    if (target.startsWith("/")) target = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${target}`;
    let ws;
    try { ws = new WebSocket(target); } catch { this.retry(); return; }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus("online");
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ type: "ping" }), PING_EVERY);
      this.dispatchEvent(new Event("open"));
    };
    ws.onmessage = (e) => {
      let frame;
      try { frame = JSON.parse(e.data); } catch { return; }
      if (frame && frame.type !== "pong") this.dispatchEvent(new CustomEvent("frame", { detail: frame }));
    };
    ws.onclose = (e) => {
      clearInterval(this.pinger);
      this.ws = null;
      this.dispatchEvent(new CustomEvent("close", { detail: { code: e.code, reason: e.reason } }));
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    this.setStatus("offline");
    const base = Math.min(MAX_BACKOFF, 500 * 2 ** this.attempt++);
    this.timer = setTimeout(() => this.connect(), base / 2 + Math.random() * base / 2);
  }
}

/** Returns a new client message id (unique per send, reused on retries). */
export function newClientID() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
