// <kefu-admin-components> registers assistant components (see
// docs/assistant-components.md): pages hung in the workspace beside the
// conversation that send messages to the customer. Each has a name, its
// page's URL (or a path on Kefu), the one origin whose messages the
// workspace accepts, an icon, the apps and teams that see it, whether it is
// enabled, and its place among the tabs. The server checks every field; its
// reason is shown when it refuses.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { field, checkList, formDialog, directory, toolbar } from "./admin-form.js";
import { toast } from "./toast.js";

class KefuAdminComponents extends HTMLElement {
  connectedCallback() {
    this.table = h("div", { class: "table-wrap" });
    this.append(toolbar(t("admin.nav_components"),
      h("button", { class: "btn btn-primary", type: "button", id: "component-add", onclick: () => this.edit(null) }, t("admin.add_component"))),
    h("p", { class: "admin-intro muted" }, t("admin.components_intro")), this.table);
    this.loading = this.load();
  }

  async load() {
    let list;
    try {
      [this.data, list] = await Promise.all([directory(), api("GET", "/api/admin/components")]);
    } catch (err) { fill(this.table, h("p", { class: "empty is-error", role: "alert" }, err.message)); return; }
    this.list = list.components.map((c) => ({ ...c, apps: c.apps || [], teams: c.teams || [] })).sort((a, b) => a.position - b.position || a.id - b.id);
    if (!this.list.length) { fill(this.table, h("p", { class: "empty" }, t("admin.no_components"))); return; }
    const appName = (id) => (this.data.apps.find((a) => a.appid === id) || {}).name || id;
    const teamName = (id) => (this.data.teams.find((x) => x.id === id) || {}).name || `#${id}`;
    fill(this.table, h("table", { class: "data", id: "components-table" },
      h("caption", { class: "visually-hidden" }, t("admin.nav_components")),
      h("thead", {}, h("tr", {}, ["position", "name", "component_url", "origin", "apps_seeing", "teams", "enabled", ""].map((c) =>
        h("th", { scope: "col" }, c ? t(`admin.col_${c}`) : "")))),
      h("tbody", {}, this.list.map((c) => h("tr", { class: c.enabled ? "" : "is-disabled", dataset: { component: c.id } },
        h("td", {}, String(c.position)),
        h("td", {}, c.icon ? h("span", { class: "component-icon", "aria-hidden": "true" }, c.icon) : null, c.name),
        h("td", {}, h("code", { class: "wrap" }, c.url)),
        h("td", {}, c.origin ? h("code", { class: "wrap" }, c.origin) : h("span", { class: "muted" }, t("admin.origin_kefu"))),
        h("td", {}, c.apps.length ? c.apps.map(appName).join(", ") : h("span", { class: "muted" }, t("admin.all_apps"))),
        h("td", {}, c.teams.length ? c.teams.map(teamName).join(", ") : h("span", { class: "muted" }, t("admin.all_teams"))),
        h("td", {}, c.enabled ? t("desk.yes") : h("span", { class: "chip" }, t("admin.disabled"))),
        h("td", { class: "actions" },
          h("button", { class: "btn btn-sm", type: "button", "aria-label": t("admin.edit_named", { name: c.name }), onclick: () => this.edit(c) }, t("admin.edit")),
          h("button", { class: "btn btn-sm btn-danger", type: "button", "aria-label": t("admin.delete_named", { name: c.name }), onclick: () => this.remove(c) }, t("desk.delete"))))))));
  }

  async edit(c) {
    await this.loading; // the apps and teams to choose from
    if (!this.data) return;
    const isNew = !c;
    const next = this.list && this.list.length ? Math.max(...this.list.map((x) => x.position)) + 1 : 0;
    c = c || { name: "", url: "", origin: "", icon: "", apps: [], teams: [], enabled: true, position: next };
    const f = {};
    let apps, teams;
    formDialog({
      title: isNew ? t("admin.add_component") : t("admin.edit_component", { name: c.name }),
      wide: true,
      build: () => {
        f.name = h("input", { value: c.name, required: true, maxlength: "40" });
        f.url = h("input", { value: c.url, required: true, placeholder: "https://tools.shop.example/kefu/orders", spellcheck: "false" });
        f.origin = h("input", { value: c.origin, placeholder: "https://tools.shop.example", spellcheck: "false" });
        f.icon = h("input", { class: "input-short", value: c.icon || "", maxlength: "8", placeholder: "📦" });
        f.position = h("input", { class: "input-short", type: "number", value: String(c.position), step: "1" });
        f.enabled = h("input", { type: "checkbox", checked: c.enabled });
        apps = checkList("apps", t("admin.col_apps_seeing"), this.data.apps.map((x) => ({ value: x.appid, label: x.name ? `${x.name} (${x.appid})` : x.appid })), c.apps);
        teams = checkList("teams", t("admin.col_teams"), this.data.teams.map((x) => ({ value: String(x.id), label: x.name })), c.teams.map(String));
        return [
          field("component-name", t("admin.col_name"), f.name),
          field("component-url", t("admin.col_component_url"), f.url, t("admin.component_url_hint")),
          field("component-origin", t("admin.col_origin"), f.origin, t("admin.origin_hint")),
          field("component-icon", t("admin.icon"), f.icon, t("admin.icon_hint")),
          field("component-position", t("admin.col_position"), f.position, t("admin.position_hint")),
          h("label", { for: "component-enabled" }, t("admin.col_enabled")),
          h("label", { class: "check" }, Object.assign(f.enabled, { id: "component-enabled" }), t("admin.enabled_hint")),
          h("p", { class: "full muted" }, t("admin.apps_hint")), apps.el,
          h("p", { class: "full muted" }, t("admin.teams_hint")), teams.el,
        ];
      },
      submit: async () => {
        const body = { name: f.name.value.trim(), url: f.url.value.trim(), origin: f.origin.value.trim().replace(/\/+$/, ""), icon: f.icon.value.trim(),
          apps: apps.values(), teams: teams.values().map(Number), enabled: f.enabled.checked, position: Number(f.position.value) || 0 };
        if (isNew) await api("POST", "/api/admin/components", body);
        else await api("PUT", `/api/admin/components/${c.id}`, body);
        toast(t("admin.saved_component"));
        this.loading = this.load();
      },
    });
  }

  async remove(c) {
    if (!confirm(t("admin.delete_component_confirm", { name: c.name }))) return;
    try { await api("DELETE", `/api/admin/components/${c.id}`); toast(t("admin.deleted")); this.loading = this.load(); } catch (err) { toast(err.message, "error"); }
  }
}

customElements.define("kefu-admin-components", KefuAdminComponents);
