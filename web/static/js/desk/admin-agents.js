// <kefu-admin-agents> lists agents (searchable, for a hundred and more) and
// adds, edits, disables and signs them out. Disabling also signs the agent
// out everywhere and returns their sessions to the queue.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { field, checkList, formDialog, directory, toolbar } from "./admin-form.js";
import { toast } from "./toast.js";

class KefuAdminAgents extends HTMLElement {
  connectedCallback() {
    this.filter = h("input", { type: "search", id: "agents-filter", placeholder: t("admin.filter_agents"), "aria-label": t("admin.filter_agents") });
    this.filter.addEventListener("input", () => this.renderTable());
    this.table = h("div", { class: "table-wrap" });
    this.append(toolbar(t("admin.nav_agents"), this.filter,
      h("button", { class: "btn btn-primary", type: "button", id: "agent-add", onclick: () => this.edit(null) }, t("admin.add_agent"))), this.table);
    this.load();
  }

  async load() {
    try { this.data = await directory(); } catch (err) { fill(this.table, h("p", { class: "empty is-error", role: "alert" }, err.message)); return; }
    this.renderTable();
  }

  renderTable() {
    const f = this.filter.value.trim().toLowerCase();
    const teamName = (id) => (this.data.teams.find((x) => x.id === id) || {}).name || `#${id}`;
    const rows = this.data.agents.filter((a) => !f || a.name.toLowerCase().includes(f) || a.login.includes(f));
    fill(this.table, h("table", { class: "data", id: "agents-table" },
      h("caption", { class: "visually-hidden" }, t("admin.nav_agents")),
      h("thead", {}, h("tr", {}, ["name", "login", "role", "status", "load", "auto", "apps", "teams", ""].map((c) => h("th", { scope: "col" }, c ? t(`admin.col_${c}`) : "")))),
      h("tbody", {}, rows.map((a) => h("tr", { class: a.disabled ? "is-disabled" : "", dataset: { login: a.login } },
        h("td", {}, a.name, a.disabled ? h("span", { class: "chip" }, t("admin.disabled")) : null),
        h("td", {}, h("code", {}, a.login)),
        h("td", {}, t(`admin.role_${a.role}`)),
        h("td", {}, h("span", { class: `status-dot is-${a.status}`, "aria-hidden": "true" }), " ", t(`desk.status_${a.status}`)),
        h("td", {}, `${a.active_count} / ${a.max_sessions}`),
        h("td", {}, a.auto_accept ? t("desk.yes") : t("desk.no")),
        h("td", {}, a.role === "admin" ? t("admin.all_apps") : a.apps.join(", ")),
        h("td", {}, a.teams.map(teamName).join(", ")),
        h("td", { class: "actions" },
          h("button", { class: "btn btn-sm", type: "button", "aria-label": t("admin.edit_named", { name: a.name }), onclick: () => this.edit(a) }, t("admin.edit")),
          h("button", { class: "btn btn-sm", type: "button", "aria-label": t("admin.signout_named", { name: a.name }), onclick: () => this.signOut(a) }, t("admin.sign_out_everywhere")),
          h("button", { class: `btn btn-sm${a.disabled ? "" : " btn-danger"}`, type: "button", "aria-label": t(a.disabled ? "admin.enable_named" : "admin.disable_named", { name: a.name }),
            onclick: () => this.toggle(a) }, t(a.disabled ? "admin.enable" : "admin.disable"))))))));
  }

  async toggle(a) {
    if (!a.disabled && !confirm(t("admin.disable_confirm", { name: a.name }))) return;
    try { await api("PATCH", `/api/admin/agents/${a.id}`, { disabled: !a.disabled }); toast(t("admin.saved")); this.load(); } catch (err) { toast(err.message, "error"); }
  }

  async signOut(a) {
    try { await api("POST", `/api/admin/agents/${a.id}/sign-out`, {}); toast(t("admin.signed_out", { name: a.name })); this.load(); } catch (err) { toast(err.message, "error"); }
  }

  edit(a) {
    const isNew = !a;
    a = a || { name: "", login: "", role: "agent", max_sessions: 5, auto_accept: true, apps: [], teams: [] };
    let apps, teams, name, login, password, role, max, auto;
    formDialog({
      title: isNew ? t("admin.add_agent") : t("admin.edit_agent", { name: a.name }),
      wide: true,
      build: () => {
        name = h("input", { value: a.name, required: true, maxlength: "64" });
        login = h("input", { value: a.login, required: true, pattern: "[a-z0-9][a-z0-9._\\-]{1,31}", autocomplete: "off" });
        password = h("input", { type: "password", autocomplete: "new-password", minlength: "8", required: isNew });
        role = h("select", {}, ["agent", "admin"].map((r) => h("option", { value: r, selected: a.role === r }, t(`admin.role_${r}`))));
        max = h("input", { type: "number", min: "1", max: "100", value: String(a.max_sessions) });
        auto = h("input", { type: "checkbox", checked: a.auto_accept });
        apps = checkList("apps", t("admin.col_apps"), this.data.apps.map((x) => ({ value: x.appid, label: `${x.name || x.appid} (${x.agents}/${this.data.maxPerApp})` })), a.apps);
        teams = checkList("teams", t("admin.col_teams"), this.data.teams.map((x) => ({ value: String(x.id), label: x.name })), a.teams.map(String));
        return [field("agent-name", t("admin.col_name"), name), field("agent-login", t("admin.col_login"), login, t("admin.login_hint")),
          field("agent-password", isNew ? t("admin.password") : t("admin.password_reset"), password, isNew ? t("admin.password_hint") : t("admin.password_reset_hint")),
          field("agent-role", t("admin.col_role"), role), field("agent-max", t("admin.max_sessions"), max, t("admin.max_hint")),
          h("label", { for: "agent-auto" }, t("admin.auto_accept")), h("label", { class: "check" }, Object.assign(auto, { id: "agent-auto" }), t("admin.auto_accept_hint")),
          h("p", { class: "full muted" }, t("admin.col_apps")), apps.el, h("p", { class: "full muted" }, t("admin.col_teams")), teams.el];
      },
      submit: async () => {
        const body = { name: name.value, login: login.value.trim(), role: role.value, max_sessions: Number(max.value), auto_accept: auto.checked,
          apps: apps.values(), teams: teams.values().map(Number) };
        if (password.value) body.password = password.value;
        if (isNew) await api("POST", "/api/admin/agents", body);
        else await api("PATCH", `/api/admin/agents/${a.id}`, body);
        toast(t("admin.saved"));
        this.load();
      },
    });
  }
}

customElements.define("kefu-admin-agents", KefuAdminAgents);
