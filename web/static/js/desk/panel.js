// <kefu-customer-panel> is the right column: who the customer is (channel,
// SDK version, sessionFrom), the message card they came with, the reply
// window and quota for mini program users (docs/wechat.md) with a live
// countdown — one shared quota for customers of a real mini program, where
// agents spend it too (docs/connect.md) — and the conversation's earlier sessions. (What the customer
// has received and read shows on the messages themselves.)

import { t, formatTime, formatDuration } from "../i18n.js";
import { safeImageSrc } from "../render.js";
import { h, fill, secondsUntil, everySecond } from "./dom.js";
import { state, on } from "./state.js";
import { customerName } from "./names.js";

class KefuCustomerPanel extends HTMLElement {
  connectedCallback() {
    for (const ev of ["open", "conversation"]) on(ev, () => this.render());
    document.addEventListener("kefu:lang", () => this.render());
    everySecond(this, () => this.tick());
    this.render();
  }

  render() {
    const c = state.open;
    if (!c || !c.customer) { fill(this, h("p", { class: "empty" }, t("desk.panel_empty"))); return; }
    const cu = c.customer;
    const row = (label, value, cls) => value === "" || value === undefined || value === null ? null :
      h("div", { class: `kv ${cls || ""}` }, h("dt", {}, label), h("dd", {}, value));
    const sections = [
      h("section", { "aria-labelledby": "panel-customer" },
        h("h3", { id: "panel-customer" }, t("desk.panel_customer")),
        h("dl", {},
          row(t("desk.customer_name"), cu.name || h("span", {}, customerName(cu), h("span", { class: "muted" }, ` · ${t("desk.no_name")}`))),
          row(t("desk.openid"), h("code", {}, cu.openid)),
          row(t("desk.channel"), t(`desk.channel_${cu.channel}`)),
          row(t("desk.sdk_version"), cu.sdk_version || ""),
          row(t("desk.verified"), cu.verified ? t("desk.yes") : t("desk.no")),
          row(t("desk.session_from"), c.session_from ? h("code", { class: "wrap" }, c.session_from) : t("desk.none")),
          row(t("desk.since"), formatTime(cu.created_at, { dateStyle: "medium" })))),
    ];
    if (c.card) {
      const img = safeImageSrc(c.card.img);
      sections.push(h("section", { "aria-labelledby": "panel-card" }, h("h3", { id: "panel-card" }, t("desk.panel_card")),
        h("div", { class: "card-preview" },
          img ? h("img", { src: img, alt: "", loading: "lazy" }) : null,
          h("div", {}, h("strong", {}, c.card.title || ""), h("code", { class: "wrap" }, c.card.path || "")))));
    }
    if (c.window) {
      this.window = h("dl", { class: "window" });
      sections.push(h("section", { "aria-labelledby": "panel-window" }, h("h3", { id: "panel-window" }, t("desk.panel_window")), this.window));
    } else this.window = null;
    const sessions = (c.sessions || []).slice().reverse();
    sections.push(h("section", { "aria-labelledby": "panel-sessions" }, h("h3", { id: "panel-sessions" }, t("desk.panel_sessions")),
      sessions.length ? h("ol", { class: "sessions" }, sessions.map((s) => h("li", {},
        h("span", { class: `chip st-${s.state}` }, t(`desk.state_${s.state}`)),
        h("span", {}, formatTime(s.queued_at, { dateStyle: "short", timeStyle: "short" })),
        s.close_reason ? h("span", { class: "muted" }, t(`desk.reason_${s.close_reason}`)) : null,
        h("span", { class: "muted" }, t("desk.seq_range", { a: s.first_seq, b: s.last_seq || "…" }))))) : h("p", { class: "muted" }, t("desk.none"))));
    fill(this, sections);
    this.tick();
  }

  tick() {
    const c = state.open;
    if (!this.window || !c || !c.window) return;
    const w = c.window;
    // The quota as the last event left it (every send changes it), else as the view was loaded.
    const q = c.quota ? { remaining: c.quota.remaining, until: c.quota.until } : { remaining: w.api_remaining, until: w.api_until };
    const api = secondsUntil(q.until), agent = secondsUntil(w.agent_until);
    const kv = (label, value, warn) => h("div", { class: `kv${warn ? " is-warn" : ""}` }, h("dt", {}, label), h("dd", {}, value));
    fill(this.window,
      kv(t("desk.window_agent"), agent > 0 ? t("desk.window_left", { d: formatDuration(agent) }) : t("desk.window_closed"), agent <= 3600),
      w.connected // a real mini program: WeChat counts agents' replies too
        ? [kv(t("desk.window_replies"), api > 0 ? t("desk.window_replies_left", { n: q.remaining, d: t("desk.window_left", { d: formatDuration(api) }) }) : t("desk.window_closed"), api <= 0 || q.remaining === 0),
          h("div", { class: "hint window-shared" }, t("desk.window_shared"))]
        : kv(t("desk.window_api"), api > 0 ? t("desk.window_api_left", { n: q.remaining, d: formatDuration(api) }) : t("desk.window_closed"), api <= 0 || q.remaining === 0));
  }
}

customElements.define("kefu-customer-panel", KefuCustomerPanel);
