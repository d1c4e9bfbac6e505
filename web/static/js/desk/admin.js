// admin.js starts the admin page: sign-in (admins only), then the sections
// agents, teams, apps, assistant components, routing, the push
// inspector and the reports, chosen by #hash.

import { loadI18n, translate, t, lang, setLang } from "../i18n.js";
import { api, setCSRF } from "./api.js";
import { h, fill } from "./dom.js";

const ELEMENTS = ["./login.js", "./admin-agents.js", "./admin-teams.js", "./admin-apps.js", "./admin-components.js", "./admin-routing.js", "./admin-push.js", "./admin-reports.js"];

const SECTIONS = ["agents", "teams", "apps", "components", "routing", "push", "reports"];
const loginView = document.getElementById("login-view");
const shell = document.getElementById("admin");
let me = null;

function current() {
  const s = location.hash.replace(/^#/, "").split("?")[0];
  return SECTIONS.includes(s) ? s : "agents";
}

function render() {
  const top = document.getElementById("admin-top");
  fill(top,
    h("a", { class: "brand", href: "/desk" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), h("span", {}, t("admin.title"))),
    h("div", { class: "topbar-spacer" }),
    h("a", { class: "btn btn-ghost", href: "/desk" }, t("admin.to_desk")),
    h("button", { class: "btn btn-ghost", type: "button", id: "admin-lang", onclick: () => setLang(lang() === "en" ? "zh-CN" : "en") }, t("common.lang_switch")),
    h("span", { class: "me" }, me.name),
    h("button", { class: "btn btn-ghost", type: "button", onclick: async () => { await api("POST", "/api/desk/logout", {}).catch(() => {}); location.reload(); } }, t("desk.sign_out")));
  const sec = current();
  fill(document.getElementById("admin-nav"), SECTIONS.map((s) => h("a", { class: "tab", href: `#${s}`, id: `nav-${s}`,
    "aria-current": s === sec ? "page" : false, "aria-selected": String(s === sec) }, t(`admin.nav_${s}`))));
  const body = document.getElementById("admin-body");
  fill(body, document.createElement(`kefu-admin-${sec}`));
  document.title = `${t(`admin.nav_${sec}`)} · ${t("admin.title")}`;
}

async function start(session) {
  setCSRF(session.csrf_token);
  me = session.agent;
  loginView.hidden = true;
  loginView.replaceChildren();
  if (me.role !== "admin") {
    shell.hidden = true;
    fill(loginView, h("div", { class: "login-card" }, h("h1", { class: "login-title" }, t("admin.title")), h("p", {}, t("admin.admins_only")),
      h("a", { class: "btn btn-primary", href: "/desk" }, t("admin.to_desk"))));
    loginView.hidden = false;
    return;
  }
  shell.hidden = false;
  render();
}

async function main() {
  await loadI18n(["common", "desk", "admin", "reports"]);
  translate();
  await Promise.all(ELEMENTS.map((m) => import(m)));
  document.addEventListener("kefu:lang", () => { translate(); if (me && me.role === "admin") render(); });
  window.addEventListener("hashchange", () => { if (me) render(); });
  loginView.addEventListener("signed-in", (e) => start(e.detail));
  try {
    await start(await api("GET", "/api/desk/me"));
  } catch {
    shell.hidden = true;
    loginView.hidden = false;
    loginView.replaceChildren(document.createElement("kefu-login"));
  }
}

main();
