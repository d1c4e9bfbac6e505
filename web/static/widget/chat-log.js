// <kefu-chat-log>: the messages of a conversation, oldest at the top, each
// rendered by the shared render.js; messages still being sent at the
// bottom (with "Retry" when they failed); the agent's typing indicator; a
// "load earlier" button; a time line between messages far apart. New
// messages are announced to screen readers (role="log"). It stays scrolled
// to the bottom unless the reader has scrolled up, and then offers a
// "new messages" button instead.
//
//   log.attach(conversation, { t, appName, onNavigate, onPreview, loadEarlier, retry, discard });
//
// Events: none (it calls the functions it was given).

import { renderMessage } from "/static/js/render.js";
import { formatTime } from "/static/js/i18n.js";
import { avatar } from "/static/widget/avatar.js";

const TIME_GAP = 5 * 60 * 1000; // a time line between messages further apart than this
const NEAR_BOTTOM = 80;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

class ChatLog extends HTMLElement {
  connectedCallback() {
    if (this.scroller) return;
    this.scroller = el("div", "log-scroll");
    this.earlierBtn = el("button", "log-earlier btn btn-ghost");
    this.earlierBtn.type = "button";
    this.earlierBtn.hidden = true;
    this.list = el("div", "log-list");
    this.list.setAttribute("role", "log");
    this.list.setAttribute("aria-live", "polite");
    this.list.setAttribute("aria-relevant", "additions");
    this.pendingList = el("div", "log-pending");
    this.typingLine = el("div", "log-typing");
    this.typingLine.setAttribute("role", "status");
    this.typingLine.hidden = true;
    this.empty = el("p", "log-empty");
    this.scroller.append(this.earlierBtn, this.empty, this.list, this.pendingList, this.typingLine);
    this.newBtn = el("button", "log-new");
    this.newBtn.type = "button";
    this.newBtn.hidden = true;
    this.append(this.scroller, this.newBtn);
    this.scroller.addEventListener("scroll", () => {
      if (this.nearBottom()) this.newBtn.hidden = true;
    });
    // Images change the height after they load: keep the bottom in view.
    this.scroller.addEventListener("load", () => { if (this.stuck) this.toBottom(); }, true);
    this.newBtn.addEventListener("click", () => this.toBottom());
    this.earlierBtn.addEventListener("click", () => this.loadEarlier());
    this.stuck = true;
  }

  /** Connects the log to a conversation. */
  attach(conv, opts) {
    this.conv = conv;
    this.opts = opts;
    this.t = opts.t;
    this.setLabels();
    conv.addEventListener("change", (e) => this.onChange(e.detail));
    this.renderAll();
  }

  setLabels() {
    const t = this.t;
    this.list.setAttribute("aria-label", t("chat.messages"));
    this.earlierBtn.textContent = t("chat.load_earlier");
    this.newBtn.textContent = t("chat.new_messages");
    this.empty.textContent = t("chat.empty");
  }

  /** Shows a greeting while there is nothing to show. */
  showEmpty() {
    this.empty.hidden = !this.conv.complete || this.conv.seqs.length > 0 || this.conv.pending.size > 0;
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM;
  }

  toBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.stuck = true;
    this.newBtn.hidden = true;
  }

  onChange(d) {
    this.showEmpty();
    switch (d.what) {
      case "reset": this.renderAll(); break;
      case "messages": this.addMessages(d.added); break;
      case "pending": this.renderPending(); this.follow(true); break;
      case "typing": this.renderTyping(); this.follow(false); break;
    }
  }

  /** Renders everything again (first load, earlier messages, language change). */
  renderAll() {
    if (!this.conv) return;
    this.list.setAttribute("aria-busy", "true");
    this.list.replaceChildren();
    this.lastShown = null;
    for (const m of this.conv.messages()) this.appendMessage(m);
    this.list.setAttribute("aria-busy", "false");
    this.renderPending();
    this.renderTyping();
    this.earlierBtn.hidden = this.conv.complete;
    this.showEmpty();
    this.toBottom();
  }

  addMessages(added) {
    const wasNear = this.stuck || this.nearBottom();
    const last = this.lastShown ? this.lastShown.seq : 0;
    if (added.some((m) => m.seq < last)) {
      // Earlier history arrived: keep what the reader was looking at in place.
      const before = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.renderAll();
      this.scroller.scrollTop = this.scroller.scrollHeight - before;
      this.stuck = false;
      return;
    }
    for (const m of added.sort((a, b) => a.seq - b.seq)) this.appendMessage(m);
    const mine = added.every((m) => m.sender === "user");
    this.follow(mine || wasNear);
  }

  /** Keeps the newest message in view, or offers to jump there. */
  follow(force) {
    if (force || this.stuck || this.nearBottom()) this.toBottom();
    else this.newBtn.hidden = false;
  }

  appendMessage(m) {
    const node = this.renderOne(m);
    if (!node) return;
    const prev = this.lastShown;
    const at = Date.parse(m.created_at);
    const gap = !prev || at - Date.parse(prev.created_at) > TIME_GAP;
    // A run of messages from the same person shows their name and avatar once.
    if (!gap && prev.kind !== "notice" && m.kind !== "notice" && prev.sender === m.sender && prev.agent_name === m.agent_name) {
      node.classList.add("is-cont");
    }
    if (gap) {
      const line = el("div", "log-time", formatTime(m.created_at, sameDay(at) ? { hour: "2-digit", minute: "2-digit" }
        : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }));
      line.setAttribute("aria-hidden", "true");
      this.list.append(line);
    }
    this.list.append(node);
    this.lastShown = m;
  }

  /** A message in a row, with the sender's avatar for customer service. */
  renderOne(m) {
    const o = this.opts;
    const node = renderMessage(m, { viewer: "user", t: this.t, onNavigate: o.onNavigate, onPreview: o.onPreview });
    if (!node || m.kind === "notice") return node;
    const row = el("div", `log-row is-${m.sender}`);
    row.dataset.seq = m.seq;
    if (m.sender === "agent") row.append(avatar(m.agent_name || this.t("common.sender_agent"), "agent"));
    else if (m.sender === "developer") row.append(avatar(o.appName ? o.appName() : "", "app"));
    row.append(node);
    return row;
  }

  renderPending() {
    if (!this.conv) return;
    this.pendingList.replaceChildren();
    for (const p of this.conv.pending.values()) this.pendingList.append(this.renderPendingOne(p));
  }

  renderPendingOne(p) {
    const t = this.t;
    let node;
    if (p.kind === "image" && p.preview) {
      node = el("div", "kefu-msg is-mine");
      const bubble = el("div", "kefu-bubble is-image");
      const img = el("img", "kefu-image");
      img.src = p.preview; // a blob: URL of the customer's own file
      img.alt = t("common.image_alt");
      bubble.append(img);
      node.append(bubble);
    } else {
      node = renderMessage({ seq: 0, sender: "user", kind: p.kind, [p.kind]: p.body }, { viewer: "user", t });
    }
    const row = el("div", "log-row is-user is-pending");
    row.dataset.clientMsgId = p.clientMsgID;
    row.dataset.status = p.status;
    row.append(node);
    const status = el("div", "log-status");
    if (p.status === "failed") {
      row.classList.add("is-failed");
      status.append(el("span", "log-status-text", p.error ? t("chat.not_sent_because", { reason: p.error }) : t("chat.not_sent")));
      const retry = el("button", "btn btn-ghost log-retry", t("common.retry"));
      retry.type = "button";
      retry.addEventListener("click", () => this.opts.retry(p.clientMsgID));
      const drop = el("button", "btn btn-ghost log-discard", t("chat.discard"));
      drop.type = "button";
      drop.addEventListener("click", () => this.opts.discard(p.clientMsgID));
      status.append(retry, drop);
    } else {
      status.append(el("span", "log-spinner"), el("span", "log-status-text", t(p.status === "retrying" ? "chat.retrying" : p.kind === "image" && !p.body ? "chat.uploading" : "chat.sending")));
    }
    node.append(status);
    return row;
  }

  renderTyping() {
    const ty = this.conv && this.conv.typing;
    this.typingLine.hidden = !ty;
    this.typingLine.replaceChildren();
    if (!ty) return;
    const dots = el("span", "log-dots");
    dots.setAttribute("aria-hidden", "true");
    dots.append(el("i"), el("i"), el("i"));
    this.typingLine.append(dots, el("span", "", ty.name ? this.t("chat.typing_named", { name: ty.name }) : this.t("chat.typing")));
  }

  async loadEarlier() {
    this.earlierBtn.disabled = true;
    try { await this.opts.loadEarlier(); } finally { this.earlierBtn.disabled = false; }
    this.earlierBtn.hidden = this.conv.complete;
  }
}

function sameDay(ms) {
  const d = new Date(ms), now = new Date();
  return d.toDateString() === now.toDateString();
}

customElements.define("kefu-chat-log", ChatLog);
