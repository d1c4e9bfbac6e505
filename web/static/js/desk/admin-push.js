// <kefu-admin-push> is the push inspector: every push attempt — request,
// response, status, latency, try number — filterable by app, conversation,
// message and failures, newest first with paging, and "send again", which
// restarts a finished message's push from its first try once the admin has
// confirmed what that does. An encrypted push shows its decrypted body (the
// server opens it with the app's key) beside the envelope.

import { t, formatTime } from "../i18n.js";
import { api, query } from "./api.js";
import { h, fill } from "./dom.js";
import { toolbar } from "./admin-form.js";
import { toast } from "./toast.js";

class KefuAdminPush extends HTMLElement {
  async connectedCallback() {
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    this.app = h("select", { id: "push-app" }, h("option", { value: "" }, t("admin.all_apps")));
    this.conv = h("input", { id: "push-conversation", inputmode: "numeric", size: "8", value: params.get("conversation") || "" });
    this.msg = h("input", { id: "push-message", inputmode: "numeric", size: "8", value: params.get("message") || "" });
    this.failed = h("input", { id: "push-failed", type: "checkbox" });
    const form = h("form", { class: "admin-toolbar", role: "search" },
      h("div", { class: "field" }, h("label", { for: "push-app" }, t("admin.col_appid")), this.app),
      h("div", { class: "field" }, h("label", { for: "push-conversation" }, t("admin.conversation")), this.conv),
      h("div", { class: "field" }, h("label", { for: "push-message" }, t("admin.message")), this.msg),
      h("label", { class: "check" }, this.failed, t("admin.failed_only")),
      h("button", { class: "btn btn-primary", type: "submit", id: "push-filter" }, t("admin.filter")),
      h("button", { class: "btn", type: "button", id: "push-refresh", onclick: () => this.load(false) }, t("admin.refresh")));
    form.addEventListener("submit", (e) => { e.preventDefault(); this.load(false); });
    this.failed.addEventListener("change", () => this.load(false));
    this.app.addEventListener("change", () => this.load(false));
    this.table = h("div", { class: "table-wrap", "aria-live": "polite" });
    this.more = h("button", { class: "btn", type: "button", hidden: true, onclick: () => this.load(true) }, t("admin.load_more"));
    this.append(toolbar(t("admin.nav_push")), h("p", { class: "muted" }, t("admin.push_intro")), form, this.table, h("div", { class: "dialog-actions" }, this.more));
    try {
      const apps = (await api("GET", "/api/admin/apps")).apps;
      this.app.append(...apps.map((a) => h("option", { value: a.appid, selected: params.get("appid") === a.appid }, `${a.name || a.appid} (${a.appid})`)));
    } catch { /* the list shows the error */ }
    this.load(false);
  }

  async load(append) {
    const before = append && this.rows.length ? this.rows[this.rows.length - 1].id : "";
    let res;
    try {
      res = await api("GET", `/api/admin/push-attempts${query({ appid: this.app.value, conversation: this.conv.value.trim(), message: this.msg.value.trim(),
        failed: this.failed.checked ? 1 : "", before, limit: 50 })}`);
    } catch (err) { fill(this.table, h("p", { class: "empty is-error", role: "alert" }, err.message)); return; }
    this.rows = append ? [...this.rows, ...res.attempts] : res.attempts;
    this.more.hidden = !res.more;
    this.render();
  }

  render() {
    if (!this.rows.length) { fill(this.table, h("p", { class: "empty" }, t("admin.no_attempts"))); return; }
    const body = h("tbody");
    for (const a of this.rows) {
      const detail = h("tr", { class: "attempt-detail", hidden: true }, h("td", { colspan: "9" },
        h("h4", {}, t("admin.request")), h("pre", {}, `POST ${a.url}?${a.request_query}\n\n${a.request_body}`),
        a.request_plaintext ? [h("h4", {}, t("admin.request_plaintext")), h("pre", { class: "plaintext" }, a.request_plaintext)] : null,
        h("h4", {}, t("admin.response")), h("pre", {}, `HTTP ${a.status_code || "—"}\n\n${a.response_body || ""}`),
        a.error ? [h("h4", {}, t("admin.error")), h("pre", {}, a.error)] : null,
        a.warning ? [h("h4", {}, t("admin.warning")), h("pre", {}, a.warning)] : null));
      const toggle = h("button", { class: "btn btn-sm", type: "button", "aria-expanded": "false", onclick: () => {
        detail.hidden = !detail.hidden;
        toggle.setAttribute("aria-expanded", String(!detail.hidden));
      } }, t("admin.details"));
      body.append(h("tr", { class: a.result === "failed" ? "is-failed" : "", dataset: { message: a.message_id, try: a.try, result: a.result } },
        h("td", {}, formatTime(a.created_at, { dateStyle: "short", timeStyle: "medium" })),
        h("td", {}, h("code", {}, a.appid)),
        h("td", {}, String(a.conversation_id)),
        h("td", {}, String(a.message_id)),
        h("td", { class: "try" }, t("admin.try_n", { n: a.try })),
        h("td", {}, h("span", { class: `tag push-${a.result}` }, t(`desk.push_${a.result}`))),
        h("td", {}, a.status_code ? String(a.status_code) : "—"),
        h("td", {}, `${Math.round(a.latency_ns / 1e6)} ms`),
        h("td", { class: "actions" }, toggle,
          h("button", { class: "btn btn-sm", type: "button", "aria-label": t("admin.send_again_named", { id: a.message_id }), onclick: () => this.confirmAgain(a) }, t("admin.send_again")))),
      detail);
    }
    fill(this.table, h("table", { class: "data", id: "push-table" },
      h("thead", {}, h("tr", {}, ["time", "appid", "conversation", "message", "try", "result", "http", "latency", ""].map((c) => h("th", { scope: "col" }, c ? t(`admin.col_${c}`) : "")))),
      body));
  }

  /** Asks before pushing again, saying what will happen (a transfer may happen twice). */
  confirmAgain(a) {
    const transferred = this.rows.some((x) => x.message_id === a.message_id && x.result === "transferred");
    const ok = h("button", { class: "btn btn-primary", type: "button", id: "repush-confirm" }, t("admin.send_again"));
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "repush-title", "aria-describedby": "repush-what" },
      h("h2", { id: "repush-title" }, t("admin.send_again_title", { id: a.message_id })),
      h("p", { id: "repush-what" }, t("admin.send_again_what"), " ", transferred ? h("strong", {}, t("admin.send_again_transferred")) : null),
      h("div", { class: "dialog-actions" }, h("button", { class: "btn", type: "button", onclick: () => dialog.close() }, t("common.cancel")), ok));
    ok.addEventListener("click", () => { dialog.close(); this.again(a.message_id); });
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  async again(id) {
    try { await api("POST", `/api/admin/messages/${id}/push`, {}); toast(t("admin.sent_again")); setTimeout(() => this.load(false), 800); } catch (err) { toast(err.message, "error"); }
  }
}

customElements.define("kefu-admin-push", KefuAdminPush);
