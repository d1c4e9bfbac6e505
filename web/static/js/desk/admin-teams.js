// <kefu-admin-teams> adds, renames and deletes teams. Members are chosen on
// each agent; routing rules send sessions to teams.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { field, formDialog, directory, toolbar } from "./admin-form.js";
import { toast } from "./toast.js";

class KefuAdminTeams extends HTMLElement {
  connectedCallback() {
    this.table = h("div", { class: "table-wrap" });
    this.append(toolbar(t("admin.nav_teams"), h("button", { class: "btn btn-primary", type: "button", id: "team-add", onclick: () => this.edit(null) }, t("admin.add_team"))), this.table);
    this.load();
  }

  async load() {
    try { this.data = await directory(); } catch (err) { fill(this.table, h("p", { class: "empty is-error", role: "alert" }, err.message)); return; }
    const name = (id) => (this.data.agents.find((a) => a.id === id) || {}).name || `#${id}`;
    if (!this.data.teams.length) { fill(this.table, h("p", { class: "empty" }, t("admin.no_teams"))); return; }
    fill(this.table, h("table", { class: "data", id: "teams-table" },
      h("thead", {}, h("tr", {}, h("th", {}, t("admin.col_name")), h("th", {}, t("admin.members")), h("th", {}))),
      h("tbody", {}, this.data.teams.map((x) => h("tr", {},
        h("td", {}, x.name), h("td", {}, x.members.map(name).join(", ") || h("span", { class: "muted" }, t("admin.no_members"))),
        h("td", { class: "actions" },
          h("button", { class: "btn btn-sm", type: "button", onclick: () => this.edit(x) }, t("admin.rename")),
          h("button", { class: "btn btn-sm btn-danger", type: "button", onclick: () => this.remove(x) }, t("desk.delete"))))))));
  }

  edit(team) {
    let name;
    formDialog({
      title: team ? t("admin.rename_team") : t("admin.add_team"),
      build: () => { name = h("input", { value: team ? team.name : "", required: true, maxlength: "64" }); return field("team-name", t("admin.col_name"), name); },
      submit: async () => {
        if (team) await api("PATCH", `/api/admin/teams/${team.id}`, { name: name.value });
        else await api("POST", "/api/admin/teams", { name: name.value });
        toast(t("admin.saved"));
        this.load();
      },
    });
  }

  async remove(team) {
    if (!confirm(t("admin.delete_team_confirm", { name: team.name }))) return;
    try { await api("DELETE", `/api/admin/teams/${team.id}`); this.load(); } catch (err) { toast(err.message, "error"); }
  }
}

customElements.define("kefu-admin-teams", KefuAdminTeams);
