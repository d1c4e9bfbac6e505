// <kefu-admin-apps> adds and edits mini programs: appid, secret, original
// id, push URL, Token and EncodingAESKey (with "generate"), mode, format and
// the widget's allowed origins. Saving a push URL runs WeChat's handshake;
// its result — or why it failed — is shown. Secrets are never listed: an
// admin reveals them one app at a time.

import { t, formatTime } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { field, formDialog, toolbar } from "./admin-form.js";
import { toast } from "./toast.js";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random letters and digits, from the browser's CSPRNG without modulo bias. */
export function randomAlnum(n) {
  let out = "";
  while (out.length < n) {
    for (const b of crypto.getRandomValues(new Uint8Array(n * 2))) {
      if (b < 248 && out.length < n) out += ALNUM[b % 62];
    }
  }
  return out;
}

class KefuAdminApps extends HTMLElement {
  connectedCallback() {
    this.table = h("div", { class: "table-wrap" });
    this.append(toolbar(t("admin.nav_apps"), h("button", { class: "btn btn-primary", type: "button", id: "app-add", onclick: () => this.edit(null) }, t("admin.add_app"))), this.table);
    this.load();
  }

  async load() {
    let apps;
    try { apps = (await api("GET", "/api/admin/apps")).apps; } catch (err) { fill(this.table, h("p", { class: "empty is-error", role: "alert" }, err.message)); return; }
    if (!apps.length) { fill(this.table, h("p", { class: "empty" }, t("admin.no_apps"))); return; }
    fill(this.table, h("table", { class: "data", id: "apps-table" },
      h("thead", {}, h("tr", {}, ["app_name", "appid", "original_id", "push_url", "mode", "agents", "created", ""].map((c) => h("th", { scope: "col" }, c ? t(`admin.col_${c}`) : "")))),
      h("tbody", {}, apps.map((a) => h("tr", { dataset: { appid: a.appid } },
        h("td", {}, a.name || "—"), h("td", {}, h("code", {}, a.appid)), h("td", {}, h("code", {}, a.original_id)),
        h("td", {}, a.push.url ? h("code", { class: "wrap" }, a.push.url) : h("span", { class: "muted" }, t("admin.no_push"))),
        h("td", {}, `${t(`admin.mode_${a.push.mode}`)} · ${a.push.format.toUpperCase()}`),
        h("td", {}, String(a.agents)),
        h("td", {}, formatTime(a.created_at, { dateStyle: "medium" })),
        h("td", { class: "actions" },
          h("button", { class: "btn btn-sm", type: "button", "aria-label": t("admin.edit_named", { name: a.appid }), onclick: () => this.edit(a) }, t("admin.edit")),
          h("a", { class: "btn btn-sm", href: `#push?appid=${encodeURIComponent(a.appid)}` }, t("admin.nav_push"))))))));
  }

  edit(app) {
    const isNew = !app;
    const a = app || { appid: "", original_id: "", name: "", push: { url: "", mode: "safe", format: "json" }, widget_origins: [] };
    const f = {};
    const keep = isNew ? "" : t("admin.unchanged");
    const gen = (input, n) => h("button", { class: "btn btn-sm", type: "button", onclick: () => { input.value = randomAlnum(n); input.type = "text"; } }, t("admin.generate"));
    const secretsBox = h("div", { class: "full", id: "app-secrets" });
    formDialog({
      title: isNew ? t("admin.add_app") : t("admin.edit_app", { name: a.name || a.appid }),
      wide: true,
      submitLabel: t("admin.save_verify"),
      build: () => {
        f.appid = h("input", { value: a.appid, required: true, disabled: !isNew, autocomplete: "off", spellcheck: "false" });
        f.original = h("input", { value: a.original_id, required: true, spellcheck: "false" });
        f.name = h("input", { value: a.name, maxlength: "64" });
        f.secret = h("input", { type: "password", placeholder: isNew ? t("admin.secret_generated") : keep, autocomplete: "new-password" });
        f.url = h("input", { type: "url", value: a.push.url, placeholder: "https://example.com/wechat/push", spellcheck: "false" });
        f.token = h("input", { type: "password", placeholder: keep, autocomplete: "off" });
        f.aes = h("input", { type: "password", placeholder: keep, autocomplete: "off", maxlength: "43" });
        f.mode = h("select", {}, ["plaintext", "compatible", "safe"].map((m) => h("option", { value: m, selected: a.push.mode === m }, t(`admin.mode_${m}`))));
        f.private = h("input", { type: "checkbox", checked: !!a.push.allow_private, id: "app-private" });
        f.format = h("select", {}, ["json", "xml"].map((m) => h("option", { value: m, selected: a.push.format === m }, m.toUpperCase())));
        f.origins = h("textarea", { rows: "2", placeholder: "https://shop.example", spellcheck: "false" });
        f.origins.value = (a.widget_origins || []).join("\n");
        const inline = (input, ...btns) => h("div", { class: "inline" }, input, btns);
        return [
          field("app-appid", t("admin.col_appid"), f.appid, t("admin.appid_hint")),
          field("app-original", t("admin.col_original_id"), f.original, t("admin.original_hint")),
          field("app-name", t("admin.col_app_name"), f.name),
          h("label", { for: "app-secret" }, t("admin.secret")), inline(Object.assign(f.secret, { id: "app-secret" }), gen(f.secret, 32)),
          h("label", { for: "app-url" }, t("admin.col_push_url")), Object.assign(f.url, { id: "app-url" }),
          h("p", { class: "hint" }, t("admin.push_url_hint")),
          h("label", { class: "check full" }, f.private, t("admin.allow_private")),
          h("label", { for: "app-token" }, t("admin.token")), inline(Object.assign(f.token, { id: "app-token" }), gen(f.token, 32)),
          h("label", { for: "app-aes" }, t("admin.aes_key")), inline(Object.assign(f.aes, { id: "app-aes" }), gen(f.aes, 43)),
          field("app-mode", t("admin.col_mode"), f.mode, t("admin.mode_hint")),
          field("app-format", t("admin.format"), f.format),
          field("app-origins", t("admin.origins"), f.origins, t("admin.origins_hint")),
          isNew ? null : h("div", { class: "full inline" },
            h("button", { class: "btn btn-sm", type: "button", id: "app-reveal", onclick: () => this.reveal(a.appid, secretsBox) }, t("admin.reveal")),
            h("button", { class: "btn btn-sm", type: "button", id: "app-identity", onclick: () => this.newIdentity(a.appid, secretsBox) }, t("admin.new_identity_secret"))),
          secretsBox,
        ];
      },
      submit: async () => {
        const body = { original_id: f.original.value, name: f.name.value, push_url: f.url.value.trim(), mode: f.mode.value, format: f.format.value,
          allow_private: f.private.checked, widget_origins: f.origins.value.split(/\s+/).filter(Boolean) };
        if (f.secret.value) body.secret = f.secret.value;
        if (f.token.value) body.token = f.token.value;
        if (f.aes.value) body.encoding_aes_key = f.aes.value;
        let saved;
        if (isNew) saved = await api("POST", "/api/admin/apps", { appid: f.appid.value.trim(), ...body });
        else saved = await api("PATCH", `/api/admin/apps/${encodeURIComponent(a.appid)}`, body);
        this.load();
        return saved.push.url ? t("admin.saved_verified", { url: saved.push.url }) : t("admin.saved_no_push");
      },
    });
  }

  async reveal(appid, box) {
    try {
      const s = await api("POST", `/api/admin/apps/${encodeURIComponent(appid)}/reveal`, {});
      fill(box, h("dl", { class: "secrets", "aria-label": t("admin.secrets") },
        [["secret", s.secret], ["token", s.token], ["aes_key", s.encoding_aes_key], ["identity_secret", s.identity_secret]].map(([k, v]) =>
          [h("dt", {}, t(`admin.${k}`)), h("dd", {}, h("code", {}, v || "—"))])));
    } catch (err) { toast(err.message, "error"); }
  }

  async newIdentity(appid, box) {
    if (!confirm(t("admin.new_identity_confirm"))) return;
    try {
      const s = await api("POST", `/api/admin/apps/${encodeURIComponent(appid)}/identity-secret`, {});
      fill(box, h("dl", { class: "secrets" }, h("dt", {}, t("admin.identity_secret")), h("dd", {}, h("code", {}, s.identity_secret))));
    } catch (err) { toast(err.message, "error"); }
  }
}

customElements.define("kefu-admin-apps", KefuAdminApps);
