// <kefu-topbar> is the workspace's header: the agent's status (online /
// away / away and reassign / offline), the connection state, notifications,
// the language switch, the admin link and sign-out. Its shortcuts button
// dispatches kefu:shortcuts (bubbling) for the page to show the list.

import { t, lang, setLang } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { state, on } from "./state.js";
import { setStatus } from "./actions.js";
import { askPermission, canAsk, notificationsAllowed, unlockSound } from "./notify.js";
import { toast } from "./toast.js";

class KefuTopbar extends HTMLElement {
  connectedCallback() {
    this.render();
    on("me", () => this.render());
    on("connection", () => this.renderConnection());
    document.addEventListener("kefu:lang", () => this.render());
  }

  render() {
    const me = state.me;
    if (!me) return;
    const status = h("select", { id: "desk-status", class: `status-select is-${me.status}`, "aria-label": t("desk.status_label") },
      h("option", { value: "online", selected: me.status === "online" }, t("desk.status_online")),
      h("option", { value: "away", selected: me.status === "away" }, t("desk.status_away")),
      h("option", { value: "away-reassign" }, t("desk.status_away_reassign")),
      h("option", { value: "offline", selected: me.status === "offline" }, t("desk.status_offline")));
    status.addEventListener("change", async () => {
      unlockSound();
      const v = status.value;
      try {
        await setStatus(v === "away-reassign" ? "away" : v, v === "away-reassign" || v === "offline");
      } catch (err) { toast(err.message, "error"); this.render(); }
    });
    this.conn = h("span", { class: "conn", role: "status", "aria-live": "polite" });
    const bell = notificationsAllowed() ? null : h("button", { class: "btn btn-ghost", type: "button", id: "desk-notify",
      hidden: !canAsk(), onclick: async () => { await askPermission(); this.render(); } }, t("desk.enable_notifications"));
    const load = h("span", { class: "load", title: t("desk.load_title") }, t("desk.load", { n: me.active_count, max: me.max_sessions }));
    fill(this,
      h("a", { class: "brand", href: "/desk" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), h("span", { class: "brand-name" }, t("desk.product"))),
      h("div", { class: "topbar-status" }, h("span", { class: `status-dot is-${me.status}`, "aria-hidden": "true" }), status, load),
      this.conn,
      h("div", { class: "topbar-spacer" }),
      bell,
      h("button", { class: "btn btn-ghost", type: "button", id: "desk-shortcuts", onclick: () => this.dispatchEvent(new CustomEvent("kefu:shortcuts", { bubbles: true })) }, t("desk.shortcuts")),
      me.role === "admin" ? h("a", { class: "btn btn-ghost", href: "/admin" }, t("desk.admin")) : null,
      h("button", { class: "btn btn-ghost", type: "button", id: "desk-lang", lang: lang() === "en" ? "zh-CN" : "en",
        onclick: () => setLang(lang() === "en" ? "zh-CN" : "en") }, t("common.lang_switch")),
      h("span", { class: "me", title: me.login }, me.name),
      h("button", { class: "btn btn-ghost", type: "button", id: "desk-signout", onclick: async () => {
        await api("POST", "/api/desk/logout", {}).catch(() => {});
        location.reload();
      } }, t("desk.sign_out")));
    this.renderConnection();
  }

  renderConnection() {
    if (!this.conn) return;
    const c = state.connection;
    this.conn.className = `conn is-${c}`;
    this.conn.textContent = t(`common.${c}`);
  }
}

customElements.define("kefu-topbar", KefuTopbar);
