// <kefu-canned> lists the agent's canned replies (personal and team),
// filtered by what follows "/" in the composer; picking one fires "pick"
// (detail: the text). "Manage" edits them in a dialog.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { state, on } from "./state.js";
import { loadCanned } from "./actions.js";
import { toast } from "./toast.js";

class KefuCanned extends HTMLElement {
  connectedCallback() {
    this.hidden = true;
    this.classList.add("canned-pop");
    this.filter = "";
    on("canned", () => { if (!this.hidden) this.render(); });
  }

  async toggle(filter, keepOpen) {
    this.filter = filter;
    if (!this.hidden && !keepOpen && filter === "") { this.close(); return; }
    this.hidden = false;
    if (!this.loaded) { this.loaded = true; await loadCanned().catch((e) => toast(e.message, "error")); }
    this.render();
  }

  close() { this.hidden = true; }

  teamName(id) {
    const team = state.canned.teams.find((x) => x.id === id);
    return team ? team.name : "";
  }

  render() {
    const f = this.filter.toLowerCase();
    const items = state.canned.replies.filter((r) => !f || r.shortcut.toLowerCase().includes(f) || r.text.toLowerCase().includes(f));
    fill(this,
      h("div", { class: "canned-head" }, h("strong", {}, t("desk.canned")),
        h("button", { type: "button", class: "btn btn-ghost btn-sm", id: "canned-manage", onclick: () => this.manage() }, t("desk.canned_manage"))),
      items.length ? h("ul", { class: "canned-list", role: "listbox", "aria-label": t("desk.canned") }, items.map((r) =>
        h("li", {}, h("button", { type: "button", role: "option", class: "canned-item", onclick: () => { this.dispatchEvent(new CustomEvent("pick", { detail: r.text })); this.close(); } },
          h("span", { class: "canned-short" }, `/${r.shortcut}`),
          h("span", { class: "chip" }, r.team_id ? this.teamName(r.team_id) : t("desk.canned_personal")),
          h("span", { class: "canned-text" }, r.text))))) : h("p", { class: "empty" }, t("desk.canned_none")));
  }

  manage() {
    this.close();
    const list = h("div", { class: "canned-manage" });
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "canned-title" });
    const draw = () => {
      const shortcut = h("input", { id: "canned-shortcut", required: true, maxlength: "32", pattern: "[^\\s/]+" });
      const text = h("textarea", { id: "canned-text", rows: "3", required: true });
      const owner = h("select", { id: "canned-owner" }, h("option", { value: "0" }, t("desk.canned_personal")),
        state.canned.teams.map((x) => h("option", { value: x.id }, t("desk.canned_team", { name: x.name }))));
      const form = h("form", { class: "canned-form" },
        h("label", { for: "canned-shortcut" }, t("desk.canned_shortcut")), shortcut,
        h("label", { for: "canned-text" }, t("desk.canned_text")), text,
        h("label", { for: "canned-owner" }, t("desk.canned_owner")), owner,
        h("button", { class: "btn btn-primary", type: "submit" }, t("desk.canned_add")));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        try {
          await api("POST", "/api/desk/canned", { shortcut: shortcut.value.trim(), text: text.value, team_id: Number(owner.value) });
          await loadCanned();
          draw();
        } catch (err) { toast(err.message, "error"); }
      });
      fill(list, h("ul", { class: "canned-list" }, state.canned.replies.map((r) => h("li", { class: "canned-row" },
        h("span", { class: "canned-short" }, `/${r.shortcut}`),
        h("span", { class: "chip" }, r.team_id ? this.teamName(r.team_id) : t("desk.canned_personal")),
        h("span", { class: "canned-text" }, r.text),
        h("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": t("desk.canned_delete", { s: r.shortcut }), onclick: async () => {
          try { await api("DELETE", `/api/desk/canned/${r.id}`); await loadCanned(); draw(); } catch (err) { toast(err.message, "error"); }
        } }, t("desk.delete"))))), form);
    };
    draw();
    fill(dialog, h("h2", { id: "canned-title" }, t("desk.canned_manage")), list,
      h("form", { method: "dialog", class: "dialog-actions" }, h("button", { class: "btn", type: "submit" }, t("common.close"))));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }
}

customElements.define("kefu-canned", KefuCanned);
