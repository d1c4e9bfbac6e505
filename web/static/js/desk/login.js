// <kefu-login> signs an agent or admin in. Fires "signed-in" (detail: {agent, csrf_token}).

import { t } from "../i18n.js";
import { api, setCSRF } from "./api.js";
import { h, fill } from "./dom.js";

class KefuLogin extends HTMLElement {
  connectedCallback() {
    this.render();
    this.onLang = () => this.render();
    document.addEventListener("kefu:lang", this.onLang);
  }

  disconnectedCallback() { document.removeEventListener("kefu:lang", this.onLang); }

  render() {
    const error = h("p", { class: "login-error", role: "alert", id: "login-error" });
    const login = h("input", { id: "login-name", name: "login", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
    const password = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
    const submit = h("button", { class: "btn btn-primary", type: "submit" }, t("desk.sign_in"));
    const form = h("form", { class: "login-card", "aria-describedby": "login-error" },
      h("h1", { class: "login-title" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), t("desk.product")),
      h("p", { class: "login-sub" }, t("desk.sign_in_intro")),
      h("label", { for: "login-name" }, t("desk.login")), login,
      h("label", { for: "login-password" }, t("desk.password")), password,
      error, submit);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      submit.disabled = true;
      error.textContent = "";
      try {
        const me = await api("POST", "/api/desk/login", { login: login.value.trim(), password: password.value });
        setCSRF(me.csrf_token);
        this.dispatchEvent(new CustomEvent("signed-in", { detail: me, bubbles: true }));
      } catch (err) {
        error.textContent = err.code === "unauthorized" ? t("desk.wrong_login") : err.message;
        password.select();
      } finally {
        submit.disabled = false;
      }
    });
    fill(this, form);
    login.focus();
  }
}

customElements.define("kefu-login", KefuLogin);
