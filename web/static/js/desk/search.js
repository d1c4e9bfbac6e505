// <kefu-search> finds conversations by customer or text, date, agent and
// state (GET /api/desk/conversations); a result opens read-only when the
// session is not the agent's.

import { t, formatTime } from "../i18n.js";
import { previewText } from "../render.js";
import { api, query } from "./api.js";
import { h, fill } from "./dom.js";
import { state } from "./state.js";
import { openConversation } from "./actions.js";
import { customerName, previewLine } from "./names.js";
import { toast } from "./toast.js";

class KefuSearch extends HTMLElement {
  connectedCallback() {
    this.render();
    document.addEventListener("kefu:lang", () => this.render());
  }

  render() {
    const field = (id, label, input) => h("div", { class: "field" }, h("label", { for: id }, label), input);
    this.q = h("input", { id: "search-q", type: "search", placeholder: t("desk.search_placeholder") });
    this.stateSel = h("select", { id: "search-state" },
      ["", "active", "queued", "developer", "closed"].map((s) => h("option", { value: s }, t(`desk.state_${s || "any"}`))));
    this.mineOnly = h("input", { id: "search-mine", type: "checkbox" });
    this.from = h("input", { id: "search-from", type: "date" });
    this.to = h("input", { id: "search-to", type: "date" });
    this.results = h("div", { class: "search-results", "aria-live": "polite" });
    const form = h("form", { class: "search-form", role: "search" },
      field("search-q", t("desk.search_text"), this.q),
      h("div", { class: "field-row" }, field("search-state", t("desk.search_state"), this.stateSel),
        h("label", { class: "check" }, this.mineOnly, t("desk.search_mine"))),
      h("div", { class: "field-row" }, field("search-from", t("desk.search_from"), this.from), field("search-to", t("desk.search_to"), this.to)),
      h("button", { class: "btn btn-primary", type: "submit" }, t("desk.search")));
    form.addEventListener("submit", (e) => { e.preventDefault(); this.run(); });
    fill(this, form, this.results);
  }

  async run() {
    const day = (v, end) => v ? new Date(`${v}T00:00:00`).getTime() + (end ? 86400000 : 0) : 0;
    const params = { q: this.q.value.trim(), state: this.stateSel.value, agent: this.mineOnly.checked ? state.me.id : "",
      from: this.from.value ? new Date(day(this.from.value)).toISOString().replace(/\.\d+Z$/, "Z") : "",
      to: this.to.value ? new Date(day(this.to.value, true)).toISOString().replace(/\.\d+Z$/, "Z") : "" };
    if (!Object.values(params).some(Boolean)) params.state = "closed";
    fill(this.results, h("p", { class: "empty" }, t("common.loading")));
    try {
      const res = await api("GET", `/api/desk/conversations${query(params)}`);
      if (!res.conversations.length) { fill(this.results, h("p", { class: "empty" }, t("desk.no_results"))); return; }
      fill(this.results, h("ul", { class: "conv-list" }, res.conversations.map((c) => {
        const cust = c.customer || {};
        return h("li", { class: "conv-item" }, h("button", { type: "button", class: "conv-open", onclick: () => openConversation(c.id).catch((e) => toast(e.message, "error")) },
          h("span", { class: "conv-line" }, h("span", { class: "conv-name" }, customerName(cust)),
            h("span", { class: `chip st-${c.state}` }, t(`desk.state_${c.state}`))),
          h("span", { class: "conv-preview" }, previewLine(c, previewText, state.me)),
          h("span", { class: "conv-meta" }, formatTime(c.updated_at, { dateStyle: "short", timeStyle: "short" }), c.agent_name ? ` · ${c.agent_name}` : "",
            // The search matches openids too: show which one.
            cust.name ? null : h("code", { class: "from" }, cust.openid))));
      })));
    } catch (err) {
      fill(this.results, h("p", { class: "empty is-error", role: "alert" }, err.message));
    }
  }
}

customElements.define("kefu-search", KefuSearch);
