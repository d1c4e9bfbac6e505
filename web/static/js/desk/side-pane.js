// <kefu-side-pane> is the workspace's right column: a tab for the customer's
// details (<kefu-customer-panel>) and one for each assistant component the
// agent may use in the open conversation (<kefu-components>;
// docs/assistant-components.md). It tells the components which
// conversation is open, and has them fetch fresh contexts (and tokens) when
// the conversation changes hands or state and when the live connection comes
// back. The agent's choice of tab is remembered in this browser.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { state, on } from "./state.js";
import "../components-host.js";
import "./panel.js";

const KEY = "kefu.desk.pane";

function loadChoice() {
  try { return localStorage.getItem(KEY) || "customer"; } catch { return "customer"; }
}

function saveChoice(v) {
  try { localStorage.setItem(KEY, v); } catch { /* storage may be blocked */ }
}

class KefuSidePane extends HTMLElement {
  connectedCallback() {
    this.choice = loadChoice(); // "customer" or "component:<id>"
    this.tabs = h("div", { class: "tabs pane-tabs", role: "tablist", "aria-label": t("desk.pane_label") });
    this.tabs.addEventListener("keydown", (e) => this.onKey(e));
    this.customer = h("div", { class: "pane-body", id: "pane-customer", role: "tabpanel", "aria-labelledby": "pane-tab-customer" },
      document.createElement("kefu-customer-panel"));
    this.tools = document.createElement("kefu-components");
    this.tools.id = "pane-tools";
    this.tools.setAttribute("external-tabs", "");
    this.tools.setAttribute("role", "tabpanel");
    // Components are told the server's own code and message (their API), not the agent's sentence.
    const raw = (e) => { throw { code: e.code, message: e.detail || e.message }; };
    this.tools.api = { get: (path) => api("GET", path).catch(raw), post: (path, body) => api("POST", path, body).catch(raw) };
    this.tools.addEventListener("kefu-components-change", () => this.render());
    this.append(this.tabs, this.customer, this.tools);

    this.key = "";
    on("open", () => this.follow());
    on("conversation", () => this.follow());
    on("connection", (c) => {
      if (c === "online" && this.dropped) this.tools.refresh();
      this.dropped = c !== "online";
    });
    document.addEventListener("kefu:lang", () => this.render());
    this.follow();
    this.render();
  }

  /** Points the components at the open conversation; refreshes them when it changes hands or state. */
  follow() {
    const id = state.openId || null;
    if (id !== this.tools.conversationId) {
      this.key = "";
      this.tools.conversationId = id;
    }
    const c = state.open;
    if (!c || c.id !== id) return;
    const key = `${c.state}:${c.agent_id || 0}`;
    if (this.key && key !== this.key) this.tools.refresh();
    this.key = key;
  }

  /** The selected tab: "customer", or the id of a listed component. */
  selected() {
    const m = /^component:(\d+)$/.exec(this.choice);
    const id = m && Number(m[1]);
    return id && this.tools.components.some((c) => c.id === id) ? id : "customer";
  }

  choose(v, focus) {
    this.choice = v === "customer" ? "customer" : `component:${v}`;
    saveChoice(this.choice);
    this.render();
    const tab = this.tabs.querySelector('[aria-selected="true"]');
    if (focus && tab) tab.focus();
  }

  render() {
    const sel = this.selected();
    const tab = (id, value, label, icon) => h("button", {
      type: "button", class: "tab pane-tab", role: "tab", id, "aria-selected": String(sel === value),
      "aria-controls": value === "customer" ? "pane-customer" : "pane-tools", tabindex: sel === value ? "0" : "-1",
      dataset: value === "customer" ? {} : { component: value }, onclick: () => this.choose(value),
    }, icon ? h("span", { class: "pane-icon", "aria-hidden": "true" }, icon) : value === "customer" ? null : h("img", { class: "pane-icon", src: "/static/img/tool.svg", alt: "" }),
    h("span", { class: "pane-label" }, label));
    const comps = this.tools.components;
    fill(this.tabs, tab("pane-tab-customer", "customer", t("desk.panel_customer")),
      comps.map((c) => tab(`pane-tab-${c.id}`, c.id, c.name, c.icon)));
    this.tabs.hidden = comps.length === 0;
    if (comps.length) this.customer.setAttribute("role", "tabpanel");
    else this.customer.removeAttribute("role"); // no tabs: just the customer's details
    this.customer.hidden = sel !== "customer";
    this.tools.hidden = sel === "customer";
    this.dataset.pane = sel === "customer" ? "customer" : "tool";
    if (sel !== "customer") {
      this.tools.select(sel);
      this.tools.setAttribute("aria-labelledby", `pane-tab-${sel}`);
    }
  }

  onKey(e) {
    const tabs = [...this.tabs.querySelectorAll(".pane-tab")];
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    this.choose(next.dataset.component ? Number(next.dataset.component) : "customer", true);
  }
}

customElements.define("kefu-side-pane", KefuSidePane);
