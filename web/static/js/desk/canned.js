// <kefu-canned> lists the agent's canned replies (personal and team),
// filtered by what follows "/" in the composer; picking one fires "pick"
// (detail: the text). "Manage" adds, edits and deletes them in a dialog.

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
    const rows = h("ul", { class: "canned-list" });
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "canned-title" });
    let editing = null; // the open edit form's {li, r}, if any: one at a time

    const drawList = (focusId) => {
      editing = null;
      fill(rows, state.canned.replies.map((r) => this.row(r, () => edit(r), () => remove(r))));
      if (focusId) rows.querySelector(`.canned-row[data-id="${focusId}"] .canned-edit`)?.focus();
    };
    const reload = async (focusId) => { await loadCanned(); drawList(focusId); };
    const remove = async (r) => {
      try { await api("DELETE", `/api/desk/canned/${r.id}`); await reload(); } catch (err) { toast(err.message, "error"); }
    };
    const cancel = () => {
      if (!editing) return;
      const { li, r } = editing;
      editing = null;
      li.replaceWith(this.row(r, () => edit(r), () => remove(r)));
      rows.querySelector(`.canned-row[data-id="${r.id}"] .canned-edit`)?.focus();
    };
    const edit = (r) => {
      if (editing) cancel();
      const li = rows.querySelector(`.canned-row[data-id="${r.id}"]`);
      const form = this.editForm(r, cancel, async (body) => {
        await api("PATCH", `/api/desk/canned/${r.id}`, body);
        await reload(r.id);
      });
      const row = h("li", { class: "canned-row is-editing", dataset: { id: r.id } }, form);
      li.replaceWith(row);
      editing = { li: row, r };
      form.querySelector("input").focus();
    };

    const shortcut = h("input", { id: "canned-shortcut", required: true, maxlength: "32", pattern: "[^\\s/]+" });
    const text = h("textarea", { id: "canned-text", rows: "3", required: true });
    const owner = h("select", { id: "canned-owner" }, h("option", { value: "0" }, t("desk.canned_personal")),
      state.canned.teams.map((x) => h("option", { value: x.id }, t("desk.canned_team", { name: x.name }))));
    const add = h("form", { class: "canned-form" },
      h("label", { for: "canned-shortcut" }, t("desk.canned_shortcut")), shortcut,
      h("label", { for: "canned-text" }, t("desk.canned_text")), text,
      h("label", { for: "canned-owner" }, t("desk.canned_owner")), owner,
      h("button", { class: "btn btn-primary", type: "submit" }, t("desk.canned_add")));
    add.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api("POST", "/api/desk/canned", { shortcut: shortcut.value.trim(), text: text.value, team_id: Number(owner.value) });
        add.reset();
        await reload();
      } catch (err) { toast(err.message, "error"); }
    });

    drawList();
    fill(dialog, h("h2", { id: "canned-title" }, t("desk.canned_manage")), h("div", { class: "canned-manage" }, rows, add),
      h("form", { method: "dialog", class: "dialog-actions" }, h("button", { class: "btn", type: "submit" }, t("common.close"))));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  /**
   * One reply in the Manage dialog, with its Edit and Delete buttons: the
   * server lists only replies the agent may change, so every row has both.
   */
  row(r, onEdit, onDelete) {
    return h("li", { class: "canned-row", dataset: { id: r.id } },
      h("span", { class: "canned-short" }, `/${r.shortcut}`),
      h("span", { class: "chip" }, r.team_id ? this.teamName(r.team_id) : t("desk.canned_personal")),
      h("span", { class: "canned-text" }, r.text),
      h("button", { type: "button", class: "btn btn-ghost btn-sm canned-edit", "aria-label": t("desk.canned_edit", { s: r.shortcut }), onclick: onEdit }, t("desk.edit")),
      h("button", { type: "button", class: "btn btn-ghost btn-sm canned-delete", "aria-label": t("desk.canned_delete", { s: r.shortcut }), onclick: onDelete }, t("desk.delete")));
  }

  /**
   * The form that edits reply r in place. save(body) sends it; on failure the
   * server's message is shown and the form stays as typed. Esc cancels.
   */
  editForm(r, cancel, save) {
    const shortcut = h("input", { id: "canned-edit-shortcut", required: true, maxlength: "32", pattern: "[^\\s/]+", value: r.shortcut });
    const text = h("textarea", { id: "canned-edit-text", rows: "3", required: true, value: r.text });
    const submit = h("button", { class: "btn btn-primary btn-sm", type: "submit" }, t("common.save"));
    const form = h("form", { class: "canned-edit-form", "aria-label": t("desk.canned_edit", { s: r.shortcut }),
      onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); cancel(); } } },
      h("label", { for: "canned-edit-shortcut" }, t("desk.canned_shortcut")), shortcut,
      h("label", { for: "canned-edit-text" }, t("desk.canned_text")), text,
      h("div", { class: "canned-edit-actions" },
        h("button", { type: "button", class: "btn btn-sm", onclick: cancel }, t("common.cancel")), submit));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try { await save({ shortcut: shortcut.value.trim(), text: text.value }); } catch (err) { toast(err.message, "error"); submit.disabled = false; }
    });
    return form;
  }
}

customElements.define("kefu-canned", KefuCanned);
