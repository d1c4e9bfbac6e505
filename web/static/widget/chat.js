// chat.js: the chat page (/widget/chat?appid=…), which the widget loader
// shows in an iframe — or which runs on its own when opened directly. It
// puts a ChatSession between a header, a queue banner and an error box, and
// talks to the embedding page through the bridge.
//
// Lifecycle: the page loads hidden; it says "ready" to the loader, which
// answers "init" (who the customer is). Returning visitors and signed-in
// users connect at once, so the button's unread badge works; others only
// when they first open the chat. Every "open" enters the chat — the
// developer receives user_enter_tempsession with the button's sessionFrom —
// and offers the message card when the button asks for it.

import { loadI18n, t, translate } from "/static/js/i18n.js";
import { safeImageSrc } from "/static/js/render.js";
import { ChatSession } from "/static/widget/session.js";
import { ParentBridge } from "/static/widget/bridge.js";
import { visitorID, loadJSON, saveJSON } from "/static/widget/identity.js";
import "/static/widget/chat-log.js";
import "/static/widget/chat-header.js";
import "/static/widget/composer.js";
import "/static/widget/card-offer.js";
import "/static/widget/image-viewer.js";
import "/static/widget/rating-card.js";

const MAX_TITLE = 64; // a mini program card's title, in characters

class ChatPage {
  constructor(app, bridge) {
    this.app = app;
    this.bridge = bridge;
    const $ = (s) => document.querySelector(s);
    this.header = $("kefu-chat-header");
    this.composer = $("kefu-composer");
    this.offer = $("kefu-card-offer");
    this.banner = $(".chat-banner");
    this.errorBox = $(".chat-error");
    this.chat = new ChatSession({
      appid: app.appid, channel: "web", t, appName: () => app.name,
      els: { log: $("kefu-chat-log"), composer: this.composer, offer: this.offer, viewer: $("kefu-image-viewer") },
      onNavigate: (path, query) => this.bridge.post("contact", { path, query }),
    });
  }

  run() {
    document.title = t("chat.title");
    translate();
    const chat = this.chat;
    chat.addEventListener("change", (e) => this.onChange(e.detail.what));
    chat.addEventListener("status", () => this.showHeader());
    chat.addEventListener("identified", () => {
      saveJSON(this.seenKey(), true);
      this.showError(null);
    });
    chat.addEventListener("failed", (e) => {
      this.showError(e.detail);
      this.bridge.post("error", { code: e.detail.code || "error", message: e.detail.message });
    });
    this.header.addEventListener("close", () => this.bridge.post("close"));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !e.defaultPrevented && !document.querySelector("dialog[open]")) this.bridge.post("close");
    });
    this.errorBox.querySelector("button").addEventListener("click", () => chat.start().catch(() => {}));
    this.showHeader();
    document.querySelector("kefu-rating-card").watch(chat, t);
    // The test suite reaches in here to cut and restore the connection.
    window.__kefuChat = { conversation: chat.conv, offline: () => chat.client.disconnect(), online: () => chat.client.connect() };

    if (this.bridge.connected) {
      this.bridge.addEventListener("init", (e) => this.init(e.detail));
      this.bridge.addEventListener("open", (e) => this.open(e.detail));
      this.bridge.addEventListener("close", () => chat.setOpened(false));
      this.bridge.post("ready", { labels: { open: t("chat.open_label"), close: t("chat.close"), unread: t("chat.unread_badge"), title: t("chat.title") } });
    } else {
      // On its own (a link to the chat page): an anonymous visitor, open at once.
      document.body.classList.add("is-standalone");
      this.init({});
      this.open({});
    }
  }

  seenKey() { return `kefu.chat.${this.app.appid}.seen`; }

  /** The loader says who the customer is. */
  init(d) {
    const id = d.identity;
    const identity = id && typeof id.user_id === "string" && Number.isInteger(id.timestamp) && typeof id.signature === "string"
      ? { user_id: id.user_id, timestamp: id.timestamp, signature: id.signature } : null;
    const name = typeof d.name === "string" ? d.name.slice(0, 128) : "";
    this.chat.setWho({ visitorID: identity ? "" : visitorID(), identity, name });
    if (identity || loadJSON(this.seenKey())) this.chat.start().catch(() => {});
  }

  /** The customer opened the chat (the button, or the page on its own). */
  async open(d) {
    const chat = this.chat;
    chat.setOpened(true);
    this.composer.focus();
    const card = cleanCard(d.card);
    const show = d.showMessageCard === true && card;
    try {
      await chat.enter(typeof d.sessionFrom === "string" ? d.sessionFrom : "", show ? card : null);
    } catch {
      return; // shown by "failed", or retried after a new token
    }
    if (show) this.offer.show({ t, ...card });
    else this.offer.hide();
    this.postUnread();
  }

  onChange(what) {
    if (what === "state" || what === "reset") { this.showHeader(); this.showBanner(); }
    if (what === "unread" || what === "messages") this.postUnread();
  }

  postUnread() {
    this.bridge.post("unread", { count: this.chat.opened ? 0 : this.chat.conv.unread() });
  }

  showHeader() {
    const chat = this.chat;
    this.header.show({ t, appName: this.app.name, state: chat.conv.state, connection: chat.client ? chat.connection : "online",
      closable: this.bridge.connected });
  }

  showBanner() {
    const st = this.chat.conv.state;
    this.banner.hidden = st.state !== "queued";
    if (st.state === "queued") this.banner.textContent = st.queue_position ? t("chat.queued_at", { n: st.queue_position }) : t("chat.queued");
  }

  showError(err) {
    this.errorBox.hidden = !err;
    document.body.classList.toggle("has-error", !!err);
    if (!err) { this.composer.removeAttribute("disabled"); return; }
    let key = "chat.error_connect";
    if (err.status === 401 && /expired/.test(err.message)) key = "chat.error_identity_expired";
    else if (err.status === 401 || err.status === 403) key = "chat.error_identity";
    else if (err.status === 404) key = "chat.error_app";
    this.errorBox.querySelector(".chat-error-text").textContent = t(key);
    this.errorBox.querySelector(".chat-error-detail").textContent = err.message || "";
    this.composer.setAttribute("disabled", "");
  }
}

/** Checks the message card the page asked to offer: {title, path, img}. */
function cleanCard(c) {
  if (!c || typeof c !== "object") return null;
  const title = typeof c.title === "string" ? Array.from(c.title.trim()).slice(0, MAX_TITLE).join("") : "";
  const path = typeof c.path === "string" ? c.path.slice(0, 2048) : "";
  if (!title || !path) return null;
  return { title, path, img: safeImageSrc(c.img) };
}

async function main() {
  await loadI18n(["common", "chat"]);
  const appid = new URLSearchParams(location.search).get("appid") || "";
  let app;
  try {
    const res = await fetch(`/api/client/apps/${encodeURIComponent(appid)}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    app = await res.json();
  } catch {
    translate();
    const box = document.querySelector(".chat-error");
    box.hidden = false;
    box.querySelector(".chat-error-text").textContent = t("chat.error_app");
    box.querySelector("button").hidden = true;
    document.body.classList.add("has-error");
    return;
  }
  new ChatPage(app, new ParentBridge(app.widget_origins || [])).run();
}

main();
