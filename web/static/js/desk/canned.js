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
          this.summary(r))))) : h("p", { class: "empty" }, t("desk.canned_none")));
  }

  /** A reply's shortcut, owner and text, as the list and the Manage dialog show them. */
  summary(r) {
    return [h("span", { class: "canned-short" }, `/${r.shortcut}`),
      h("span", { class: "chip" }, r.team_id ? this.teamName(r.team_id) : t("desk.canned_personal")),
      h("span", { class: "canned-text" }, r.text)];
  }

  manage() {
    this.close();
    const rows = h("ul", { class: "canned-list" });
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "canned-title" });
    const drawList = (focusId) => {
      fill(rows, state.canned.replies.map((r) => this.row(r, () => edit(r), () => remove(r))));
      if (focusId) rows.querySelector(`.canned-row[data-id="${focusId}"] .canned-edit`)?.focus();
    };
    const reload = async (focusId) => { await loadCanned(); drawList(focusId); };
    const remove = async (r) => {
      try { await api("DELETE", `/api/desk/canned/${r.id}`); await reload(); } catch (err) { toast(err.message, "error"); }
    };
    const edit = (r) => {
      drawList(); // one edit form at a time: any other one is cancelled
      const li = rows.querySelector(`.canned-row[data-id="${r.id}"]`);
      const form = this.editForm(r, () => drawList(r.id), async (body) => {
        await api("PATCH", `/api/desk/canned/${r.id}`, body);
        await reload(r.id);
      });
      li.classList.add("is-editing");
      fill(li, form);
      form.querySelector("input").focus();
    };

    const { shortcut, text, fields } = replyInputs("canned");
    const owner = h("select", { id: "canned-owner" }, h("option", { value: "0" }, t("desk.canned_personal")),
      state.canned.teams.map((x) => h("option", { value: x.id }, t("desk.canned_team", { name: x.name }))));
    const add = h("form", { class: "canned-form" }, fields,
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
    return h("li", { class: "canned-row", dataset: { id: r.id } }, this.summary(r),
      h("button", { type: "button", class: "btn btn-ghost btn-sm canned-edit", "aria-label": t("desk.canned_edit", { s: r.shortcut }), onclick: onEdit }, t("desk.edit")),
      h("button", { type: "button", class: "btn btn-ghost btn-sm canned-delete", "aria-label": t("desk.canned_delete", { s: r.shortcut }), onclick: onDelete }, t("desk.delete")));
  }

  /**
   * The form that edits reply r in place. save(body) sends it; on failure the
   * server's message is shown and the form stays as typed. Esc cancels.
   */
  editForm(r, cancel, save) {
    const { shortcut, text, fields } = replyInputs("canned-edit", r);
    const submit = h("button", { class: "btn btn-primary btn-sm", type: "submit" }, t("common.save"));
    const form = h("form", { class: "canned-edit-form", "aria-label": t("desk.canned_edit", { s: r.shortcut }),
      onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); cancel(); } } },
      fields,
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

/**
 * The shortcut and text inputs of a reply form, with their labels (fields);
 * ids start with prefix; r, if given, fills them.
 */
function replyInputs(prefix, r = { shortcut: "", text: "" }) {
  const shortcut = h("input", { id: `${prefix}-shortcut`, required: true, maxlength: "32", pattern: "[^\\s/]+", value: r.shortcut });
  const text = h("textarea", { id: `${prefix}-text`, rows: "3", required: true, value: r.text });
  return { shortcut, text, fields: [h("label", { for: shortcut.id }, t("desk.canned_shortcut")), shortcut, h("label", { for: text.id }, t("desk.canned_text")), text] };
}

customElements.define("kefu-canned", KefuCanned);
