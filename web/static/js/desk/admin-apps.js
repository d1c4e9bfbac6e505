// <kefu-admin-apps> adds and edits mini programs: appid, secret, original
// id, push URL, Token and EncodingAESKey (with "generate"), mode, format and
// the widget's allowed origins. Saving a push URL runs WeChat's handshake;
// its result — or why it failed — is shown. An app may instead be connected
// to a real mini program (docs/connect.md): then the form takes the settings
// of WeChat's console, the push URL becomes the optional relay to the
// developer's own server, and once saved the page shows what to paste into
// WeChat's console, with a copy button. Secrets are never listed: an admin
// reveals them one app at a time.

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
        h("td", {}, a.upstream ? [h("span", { class: "chip is-connected" }, t("admin.connected_chip")), " ", h("code", { class: "wrap" }, a.connect_url),
          h("div", { class: "muted" }, a.push.url ? t("admin.relay_to", { url: a.push.url }) : t("admin.no_relay"))]
          : a.push.url ? h("code", { class: "wrap" }, a.push.url) : h("span", { class: "muted" }, t("admin.no_push"))),
        h("td", {}, modeLabel(a.upstream || a.push)),
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
    const consoleBox = h("div", { class: "full", id: "app-console" });
    const inline = (input, ...btns) => h("div", { class: "inline" }, input, btns);
    const modes = (sel) => ["plaintext", "compatible", "safe"].map((m) => h("option", { value: m, selected: sel === m }, t(`admin.mode_${m}`)));
    const formats = (sel) => ["json", "xml"].map((m) => h("option", { value: m, selected: sel === m }, m.toUpperCase()));
    let upstreamRows = [], pushHeading, secretHint, urlHint;
    // Which kind of app the form is for; an app already connected stays so.
    const setKind = () => {
      const connected = f.connected.checked;
      for (const e of upstreamRows) if (e) e.hidden = !connected;
      pushHeading.textContent = t(connected ? "admin.relay_heading" : "admin.push_heading");
      urlHint.textContent = t(connected ? "admin.relay_url_hint" : "admin.push_url_hint");
      secretHint.textContent = t(connected ? "admin.secret_real_hint" : "admin.secret_hint");
      f.secret.placeholder = isNew ? (connected ? "" : t("admin.secret_generated")) : keep;
    };
    formDialog({
      title: isNew ? t("admin.add_app") : t("admin.edit_app", { name: a.name || a.appid }),
      wide: true,
      submitLabel: t("admin.save_verify"),
      build: () => {
        const up = a.upstream || { base_url: "", mode: "safe", format: "json" };
        f.simulated = h("input", { type: "radio", name: "app-kind", value: "simulated", id: "app-kind-simulated", checked: !a.upstream, disabled: !isNew, onchange: setKind });
        f.connected = h("input", { type: "radio", name: "app-kind", value: "connected", id: "app-kind-connected", checked: !!a.upstream, disabled: !isNew, onchange: setKind });
        f.appid = h("input", { value: a.appid, required: true, disabled: !isNew, autocomplete: "off", spellcheck: "false" });
        f.original = h("input", { value: a.original_id, required: true, spellcheck: "false" });
        f.name = h("input", { value: a.name, maxlength: "64" });
        f.secret = h("input", { type: "password", autocomplete: "new-password", id: "app-secret", "aria-describedby": "app-secret-hint" });
        f.upURL = h("input", { type: "url", value: up.base_url, placeholder: "https://api.weixin.qq.com", spellcheck: "false" });
        f.upToken = h("input", { type: "password", placeholder: a.has_upstream_token ? keep : "", autocomplete: "off", id: "app-up-token" });
        f.upAES = h("input", { type: "password", placeholder: a.has_upstream_aes_key ? keep : "", autocomplete: "off", maxlength: "43", id: "app-up-aes" });
        f.upMode = h("select", {}, modes(up.mode));
        f.upFormat = h("select", {}, formats(up.format));
        f.url = h("input", { type: "url", value: a.push.url, placeholder: "https://example.com/wechat/push", spellcheck: "false", id: "app-url", "aria-describedby": "app-url-hint" });
        f.token = h("input", { type: "password", placeholder: keep, autocomplete: "off" });
        f.aes = h("input", { type: "password", placeholder: keep, autocomplete: "off", maxlength: "43" });
        f.mode = h("select", {}, modes(a.push.mode));
        f.format = h("select", {}, formats(a.push.format));
        f.private = h("input", { type: "checkbox", checked: !!a.push.allow_private, id: "app-private" });
        f.origins = h("textarea", { rows: "2", placeholder: "https://shop.example", spellcheck: "false" });
        f.origins.value = (a.widget_origins || []).join("\n");
        secretHint = h("p", { class: "hint", id: "app-secret-hint" });
        urlHint = h("p", { class: "hint", id: "app-url-hint" });
        pushHeading = h("h3", { class: "full form-section", id: "app-push-heading" });
        upstreamRows = [
          h("h3", { class: "full form-section" }, t("admin.console_heading")),
          h("p", { class: "full hint-block" }, t("admin.console_intro")),
          ...field("app-up-url", t("admin.upstream_url"), f.upURL, t("admin.upstream_url_hint")),
          h("label", { for: "app-up-token" }, t("admin.token")), inline(f.upToken, gen(f.upToken, 32)),
          h("label", { for: "app-up-aes" }, t("admin.aes_key")), inline(f.upAES, gen(f.upAES, 43)),
          ...field("app-up-mode", t("admin.col_mode"), f.upMode),
          ...field("app-up-format", t("admin.format"), f.upFormat),
        ];
        if (a.upstream) this.showConsole(consoleBox, a, {});
        const nodes = [
          consoleBox,
          h("fieldset", { class: "full app-kind", "aria-label": t("admin.app_kind") }, h("legend", { class: "visually-hidden" }, t("admin.app_kind")),
            h("label", { class: "check" }, f.simulated, t("admin.kind_simulated")),
            h("label", { class: "check" }, f.connected, t("admin.kind_connected"))),
          field("app-appid", t("admin.col_appid"), f.appid, t("admin.appid_hint")),
          field("app-original", t("admin.col_original_id"), f.original, t("admin.original_hint")),
          field("app-name", t("admin.col_app_name"), f.name),
          h("label", { for: "app-secret" }, t("admin.secret")), inline(f.secret, gen(f.secret, 32)), secretHint,
          upstreamRows,
          pushHeading,
          h("label", { for: "app-url" }, t("admin.col_push_url")), f.url, urlHint,
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
        setKind();
        return nodes;
      },
      submit: async () => {
        const connected = f.connected.checked;
        const body = { original_id: f.original.value, name: f.name.value, push_url: f.url.value.trim(), mode: f.mode.value, format: f.format.value,
          allow_private: f.private.checked, widget_origins: f.origins.value.split(/\s+/).filter(Boolean) };
        if (f.secret.value) body.secret = f.secret.value;
        if (f.token.value) body.token = f.token.value;
        if (f.aes.value) body.encoding_aes_key = f.aes.value;
        const typed = {};
        if (connected) {
          Object.assign(body, { connected: true, upstream_url: f.upURL.value.trim(), upstream_mode: f.upMode.value, upstream_format: f.upFormat.value });
          if (f.upToken.value) body.upstream_token = typed.token = f.upToken.value.trim();
          if (f.upAES.value) body.upstream_aes_key = typed.aes = f.upAES.value.trim();
        }
        let saved;
        if (!a.appid) {
          saved = await api("POST", "/api/admin/apps", { appid: f.appid.value.trim(), ...body });
          a.appid = saved.appid; // saving again edits it
          for (const e of [f.appid, f.simulated, f.connected]) e.disabled = true;
        } else saved = await api("PATCH", `/api/admin/apps/${encodeURIComponent(a.appid)}`, body);
        this.load();
        if (saved.upstream) {
          this.showConsole(consoleBox, saved, typed);
          return saved.push.url ? t("admin.saved_connected_relay", { url: saved.push.url }) : t("admin.saved_connected");
        }
        return saved.push.url ? t("admin.saved_verified", { url: saved.push.url }) : t("admin.saved_no_push");
      },
    });
  }

  /**
   * Shows what to paste into WeChat's console for a connected app: the URL
   * (with a copy button), and the Token, EncodingAESKey, mode and format —
   * the secrets as just typed, else a pointer to "Reveal secrets".
   */
  showConsole(box, a, typed) {
    const url = h("input", { class: "console-url", id: "app-connect-url", value: a.connect_url, readonly: true, spellcheck: "false", "aria-label": t("admin.console_url") });
    const copy = h("button", { class: "btn btn-sm btn-primary", type: "button", id: "app-copy-url" }, t("admin.copy"));
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(url.value); } catch {
        url.select(); // no clipboard access (insecure origin, denied): the old way
        if (!document.execCommand("copy")) { toast(t("admin.copy_failed"), "error"); return; }
      }
      copy.textContent = t("admin.copied");
      copy.dataset.copied = "true";
      setTimeout(() => { copy.textContent = t("admin.copy"); delete copy.dataset.copied; }, 2000);
    });
    const secret = (v, has) => v ? h("code", {}, v) : h("span", { class: "muted" }, t(has ? "admin.console_as_saved" : "admin.console_none"));
    const up = a.upstream;
    fill(box, h("section", { class: "console-paste", "aria-labelledby": "console-title" },
      h("h3", { id: "console-title" }, t("admin.console_title")),
      h("dl", { class: "secrets" },
        h("dt", {}, "URL"), h("dd", {}, h("div", { class: "inline" }, url, copy)),
        h("dt", {}, t("admin.token")), h("dd", {}, secret(typed.token, a.has_upstream_token)),
        h("dt", {}, t("admin.aes_key")), h("dd", {}, up.mode === "plaintext" && !typed.aes ? h("span", { class: "muted" }, t("admin.console_none")) : secret(typed.aes, a.has_upstream_aes_key)),
        h("dt", {}, t("admin.col_mode")), h("dd", {}, t(`admin.console_mode_${up.mode}`)),
        h("dt", {}, t("admin.format")), h("dd", {}, up.format.toUpperCase())),
      h("p", { class: "console-note", role: "note" }, t("admin.console_note"))));
  }

  async reveal(appid, box) {
    try {
      const s = await api("POST", `/api/admin/apps/${encodeURIComponent(appid)}/reveal`, {});
      fill(box, h("dl", { class: "secrets", "aria-label": t("admin.secrets") },
        [["secret", s.secret], ["token", s.token], ["aes_key", s.encoding_aes_key], ["identity_secret", s.identity_secret],
          ...(s.upstream_token ? [["upstream_token", s.upstream_token], ["upstream_aes_key", s.upstream_aes_key]] : [])].map(([k, v]) =>
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

/** An app's push (or upstream) mode and format, as the table shows them. */
function modeLabel(p) { return `${t(`admin.mode_${p.mode}`)} · ${p.format.toUpperCase()}`; }

customElements.define("kefu-admin-apps", KefuAdminApps);
