// <kefu-conversation> shows the open conversation: a header with its state
// and actions (accept, transfer, close), the whole history rendered by the
// shared render.js — with what the developer's hook handled marked as such,
// each push's status, and the delivery state of agent messages — and the
// customer's typing indicator.
//
// Events (bubbling, for the page to act on):
//   kefu:transfer       detail {conversation}: the agent asked to transfer it
//   kefu:preview-image  detail {src}: an image was tapped

import { t, formatTime } from "../i18n.js";
import { renderMessage, renderUpstream } from "../render.js";
import { h, fill } from "./dom.js";
import { state, on, isMine } from "./state.js";
import { accept, close, loadEarlier } from "./actions.js";
import { customerName } from "./names.js";
import { retry } from "./outbox.js";
import { toast } from "./toast.js";

class KefuConversation extends HTMLElement {
  connectedCallback() {
    this.header = h("header", { class: "conv-header" });
    this.banner = h("div", { class: "conv-banner", role: "note" });
    this.timeline = h("div", { class: "timeline", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
    this.typing = h("div", { class: "typing-line", "aria-live": "polite" });
    this.append(this.header, this.banner, this.timeline, this.typing);
    on("open", () => { this.renderHeader(); this.renderTimeline(true); });
    on("conversation", () => { this.renderHeader(); this.refreshFooters(); });
    on("messages", (d) => this.onMessages(d || {}));
    on("typing", () => this.renderTyping());
    on("me", () => this.renderHeader());
    document.addEventListener("kefu:lang", () => { this.renderHeader(); this.renderTimeline(false); });
    this.renderHeader();
  }

  renderHeader() {
    const c = state.open;
    this.hidden = false;
    if (!c) {
      fill(this.header);
      fill(this.banner);
      this.banner.hidden = true;
      fill(this.timeline, h("div", { class: "placeholder" }, h("p", {}, t("desk.pick_conversation"))));
      return;
    }
    const cust = c.customer || {};
    const mine = isMine(c);
    const actions = [];
    const view = (v) => () => document.dispatchEvent(new CustomEvent("kefu:view", { detail: v }));
    const back = h("button", { class: "btn btn-ghost nav-narrow", type: "button", id: "conv-back", onclick: view("list") }, t("desk.back"));
    const details = h("button", { class: "btn btn-ghost nav-narrow", type: "button", id: "conv-details", onclick: view("panel") }, t("desk.details"));
    if (c.state === "queued") actions.push(h("button", { class: "btn btn-primary", type: "button", id: "conv-accept", onclick: () => accept(c.id).catch((e) => toast(e.message, "error")) }, t("desk.accept")));
    if (mine || (c.state !== "developer" && state.me.role === "admin")) {
      actions.push(h("button", { class: "btn", type: "button", id: "conv-transfer", onclick: () => this.tell("kefu:transfer", { conversation: c }) }, t("desk.transfer")));
      actions.push(h("button", { class: "btn btn-danger", type: "button", id: "conv-close", onclick: () => this.confirmClose(c) }, t("desk.close_session")));
    }
    fill(this.header,
      h("div", { class: "conv-title" }, back,
        h("h2", { id: "conv-name" }, customerName(cust)),
        h("span", { class: `chip st-${c.state}` }, t(`desk.state_${c.state}`)),
        c.agent_name && c.state === "active" ? h("span", { class: "conv-agent" }, t("desk.served_by", { name: c.agent_name })) : null),
      h("div", { class: "conv-actions" }, actions, details));
    let note = "";
    if (c.state === "developer") note = t("desk.readonly_closed");
    else if (c.state === "queued") note = t("desk.readonly_queued");
    else if (!mine) note = t("desk.readonly_other", { name: c.agent_name || "" });
    this.banner.hidden = !note;
    this.banner.textContent = note;
  }

  tell(type, detail) { this.dispatchEvent(new CustomEvent(type, { bubbles: true, detail })); }

  async confirmClose(c) {
    if (!confirm(t("desk.close_confirm"))) return;
    try { await close(c.id); toast(t("desk.closed_toast")); } catch (e) { toast(e.message, "error"); }
  }

  renderTimeline(scroll) {
    if (!state.open) return;
    const nodes = [];
    if (state.hasEarlier) nodes.push(h("button", { class: "btn btn-ghost earlier", type: "button", onclick: () => loadEarlier().catch((e) => toast(e.message, "error")) }, t("desk.load_earlier")));
    let phase = "";
    for (const m of state.messages) {
      const bucket = m.phase === "active" ? "active" : "before";
      if (bucket !== phase) {
        nodes.push(h("div", { class: `phase-divider is-${bucket}` }, t(bucket === "before" ? "desk.phase_before" : "desk.phase_agent")));
        phase = bucket;
      }
      nodes.push(this.message(m));
    }
    for (const e of state.outbox) if (e.conversationId === state.open.id) nodes.push(this.pending(e));
    const atBottom = this.timeline.scrollHeight - this.timeline.scrollTop - this.timeline.clientHeight < 80;
    fill(this.timeline, nodes);
    if (scroll || atBottom) this.timeline.scrollTop = this.timeline.scrollHeight;
    this.renderTyping();
  }

  onMessages(d) {
    if (d.updated) { // a status changed: the timeline stays at the bottom if it was there
      const atBottom = this.timeline.scrollHeight - this.timeline.scrollTop - this.timeline.clientHeight < 80;
      this.refreshFooters();
      if (atBottom) this.timeline.scrollTop = this.timeline.scrollHeight;
      return;
    }
    if (d.outbox) { this.renderTimeline(true); return; }
    this.renderTimeline(!d.earlier && !!(d.reset || (d.added && d.added.length)));
  }

  message(m) {
    const el = renderMessage(m, { viewer: "agent", t, agentName: (id) => (state.me && id === state.me.id ? state.me.name : ""), onPreview: (src) => this.tell("kefu:preview-image", { src }),
      onNavigate: (path) => toast(t("desk.mp_path", { path })) });
    if (!el) return h("span");
    el.classList.add(`phase-${m.phase}`);
    el.dataset.seq = m.seq;
    if (m.kind !== "notice") el.append(h("div", { class: "msg-foot" }, this.foot(m)));
    return el;
  }

  /** A message the server does not have yet: sending, retrying, or failed with a retry button. */
  pending(e) {
    const m = { sender: "agent", agent_id: state.me.id, kind: "text", internal: !!e.body.internal, text: e.body.text, created_at: new Date().toISOString() };
    const el = renderMessage(m, { viewer: "agent", t, agentName: () => state.me.name });
    if (!el) return h("span");
    el.classList.add("is-outbox", `is-${e.state}`);
    el.dataset.outbox = e.id;
    el.append(h("div", { class: "msg-foot" }, h("span", { class: `msg-state is-${e.state}`, role: e.state === "failed" ? "alert" : null },
      t(`desk.outbox_${e.state}`),
      e.state === "failed" ? [` — ${e.error}`, h("button", { class: "btn btn-sm", type: "button", onclick: () => retry(e.id) }, t("common.retry"))] : null)));
    return el;
  }

  foot(m) {
    const parts = [h("time", { datetime: m.created_at }, formatTime(m.created_at))];
    if (m.phase === "queued" || (m.phase === "developer" && (m.push || m.sender === "developer"))) parts.push(h("span", { class: "tag is-hook", title: t("desk.phase_hook_title") }, t(`desk.phase_${m.phase}`)));
    if (m.push) parts.push(h("span", { class: `tag push-${m.push}` }, t(`desk.push_${m.push}`)));
    if (m.upstream) parts.push(renderUpstream(m.upstream, t)); // WeChat tells nothing of reading: no ticks
    else if (m.sender === "agent" && !m.internal) {
      // Ticks as chat apps show them: one when sent, two when the customer's
      // device has it, green once read — and "Seen" under the last one read.
      const c = state.open || {};
      const d = m.seq <= (c.customer_read_seq || 0) ? "read" : m.seq <= (c.customer_delivered_seq || 0) ? "delivered" : "sent";
      parts.push(h("span", { class: `msg-ticks is-${d}`, role: "img", "aria-label": t(`desk.delivery_${d}`), title: t(`desk.delivery_${d}`) }, d === "sent" ? "✓" : "✓✓"));
      if (d === "read" && m.seq === lastSeenSeq(c)) parts.push(h("span", { class: "seen" }, t("desk.seen")));
    }
    if (m.sender === "developer") parts.push(h("span", { class: "tag" }, t("desk.via_api")));
    return parts;
  }

  refreshFooters() {
    for (const foot of this.timeline.querySelectorAll(".msg-foot")) {
      const seq = Number(foot.parentElement.dataset.seq);
      const m = state.messages.find((x) => x.seq === seq);
      if (m) fill(foot, this.foot(m));
    }
  }

  renderTyping() {
    const on = state.open && state.typing.get(state.open.id) > Date.now();
    this.typing.textContent = on ? t("desk.customer_typing") : "";
  }
}

/** The seq of the last agent message the customer has read (0: none). */
function lastSeenSeq(c) {
  const read = c.customer_read_seq || 0;
  let seq = 0;
  for (const m of state.messages) if (m.sender === "agent" && !m.internal && m.seq <= read) seq = m.seq;
  return seq;
}

customElements.define("kefu-conversation", KefuConversation);
