// <kefu-admin-routing> edits an app's routing rules: in order, the first
// rule whose sessionFrom prefix (and channel, if set) matches sends the new
// session to its team; no match means any agent of the app.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { directory, toolbar } from "./admin-form.js";
import { toast } from "./toast.js";

class KefuAdminRouting extends HTMLElement {
  async connectedCallback() {
    this.body = h("div");
    this.app = h("select", { id: "routing-app", "aria-label": t("admin.col_appid") });
    this.app.addEventListener("change", () => this.load());
    this.append(toolbar(t("admin.nav_routing"), this.app), h("p", { class: "muted" }, t("admin.routing_intro")), this.body);
    try { this.data = await directory(); } catch (err) { fill(this.body, h("p", { class: "empty is-error", role: "alert" }, err.message)); return; }
    fill(this.app, this.data.apps.map((a) => h("option", { value: a.appid }, `${a.name || a.appid} (${a.appid})`)));
    if (!this.data.apps.length) { fill(this.body, h("p", { class: "empty" }, t("admin.no_apps"))); return; }
    this.load();
  }

  async load() {
    try { this.rules = (await api("GET", `/api/admin/apps/${encodeURIComponent(this.app.value)}/routing`)).rules; } catch (err) { toast(err.message, "error"); return; }
    this.render();
  }

  render() {
    const teams = this.data.teams;
    const move = (i, d) => { const r = this.rules.splice(i, 1)[0]; this.rules.splice(i + d, 0, r); this.render(); };
    fill(this.body, h("div", { class: "table-wrap" }, h("table", { class: "data rules", id: "rules-table" },
      h("thead", {}, h("tr", {}, ["#", t("admin.rule_prefix"), t("admin.rule_channel"), t("admin.rule_team"), ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, this.rules.map((r, i) => {
        const prefix = h("input", { value: r.session_from_prefix, "aria-label": t("admin.rule_prefix"), oninput: (e) => { r.session_from_prefix = e.target.value; } });
        const ch = h("select", { "aria-label": t("admin.rule_channel"), onchange: (e) => { r.channel = e.target.value; } },
          ["", "miniprogram", "web", "sdk"].map((c) => h("option", { value: c, selected: (r.channel || "") === c }, c ? t(`desk.channel_${c}`) : t("admin.any_channel"))));
        const team = h("select", { "aria-label": t("admin.rule_team"), onchange: (e) => { r.team_id = Number(e.target.value); } },
          teams.map((x) => h("option", { value: x.id, selected: r.team_id === x.id }, x.name)));
        if (!r.team_id && teams.length) r.team_id = teams[0].id;
        return h("tr", {}, h("td", {}, String(i + 1)), h("td", {}, prefix), h("td", {}, ch), h("td", {}, team),
          h("td", { class: "actions" },
            h("button", { class: "btn btn-sm", type: "button", disabled: i === 0, "aria-label": t("admin.move_up"), onclick: () => move(i, -1) }, "↑"),
            h("button", { class: "btn btn-sm", type: "button", disabled: i === this.rules.length - 1, "aria-label": t("admin.move_down"), onclick: () => move(i, 1) }, "↓"),
            h("button", { class: "btn btn-sm btn-danger", type: "button", onclick: () => { this.rules.splice(i, 1); this.render(); } }, t("desk.delete"))));
      })))),
    h("div", { class: "dialog-actions" },
      // Rules route to teams: with none yet, the way to make one.
      teams.length ? h("button", { class: "btn", type: "button", onclick: () => { this.rules.push({ session_from_prefix: "", channel: "", team_id: teams[0].id }); this.render(); } }, t("admin.add_rule"))
        : h("a", { class: "btn", href: "#teams", id: "rules-need-team" }, t("admin.need_team")),
      h("button", { class: "btn btn-primary", type: "button", id: "rules-save", onclick: () => this.save() }, t("common.save"))));
  }

  async save() {
    try {
      this.rules = (await api("PUT", `/api/admin/apps/${encodeURIComponent(this.app.value)}/routing`, { rules: this.rules })).rules;
      toast(t("admin.saved"));
      this.render();
    } catch (err) { toast(err.message, "error"); }
  }
}

customElements.define("kefu-admin-routing", KefuAdminRouting);
