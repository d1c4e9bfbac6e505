// admin-form.js holds the small pieces the admin sections share: a modal
// dialog with a form, a labelled field, check lists, and data loading.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";

/** A labelled row of a .form-grid. */
export function field(id, label, input, hint) {
  input.id = id;
  return [h("label", { for: id }, label), input, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null];
}

/** A list of checkboxes: items [{value, label}], checked values. Returns {el, values()}. */
export function checkList(name, label, items, checked) {
  const boxes = items.map((it) => h("label", { class: "check" }, h("input", { type: "checkbox", name, value: it.value, checked: checked.includes(it.value) }), it.label));
  const el = h("fieldset", { class: "pick-list full", "aria-label": label }, h("legend", { class: "visually-hidden" }, label),
    boxes.length ? boxes : h("span", { class: "muted" }, t("admin.none_yet")));
  return { el, values: () => [...el.querySelectorAll("input:checked")].map((x) => x.value) };
}

/**
 * Opens a modal form. build(form) returns the fields; submit(form) may throw
 * to show an error in the dialog (and keep it open); it returns text to show
 * as a success, or nothing to close.
 */
export function formDialog({ title, wide, build, submit, submitLabel }) {
  const result = h("p", { class: "result", role: "alert", id: "dialog-result" });
  const form = h("form", { class: "form-grid", novalidate: false });
  const save = h("button", { class: "btn btn-primary", type: "submit", id: "dialog-save" }, submitLabel || t("common.save"));
  const dialog = h("dialog", { class: `dialog${wide ? " is-wide" : ""}`, "aria-labelledby": "dialog-title" },
    h("h2", { id: "dialog-title" }, title), result, form,
    h("div", { class: "dialog-actions" }, h("button", { class: "btn", type: "button", onclick: () => dialog.close() }, t("common.close")), save));
  fill(form, build(form));
  save.addEventListener("click", (e) => { e.preventDefault(); form.requestSubmit(); });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    result.className = "result";
    result.textContent = "";
    try {
      const ok = await submit(form);
      if (ok) { result.className = "result is-ok"; result.textContent = ok; } else dialog.close();
    } catch (err) {
      result.className = "result is-error";
      result.textContent = err.message;
    } finally { save.disabled = false; }
    dialog.scrollTop = 0;
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Loads apps, teams and agents for the sections that pick among them. */
export async function directory() {
  const [apps, teams, agents] = await Promise.all([api("GET", "/api/admin/apps"), api("GET", "/api/admin/teams"), api("GET", "/api/admin/agents")]);
  return { apps: apps.apps, teams: teams.teams, agents: agents.agents, maxPerApp: agents.max_per_app };
}

/** A toolbar with a heading and controls. */
export function toolbar(title, ...controls) {
  return h("div", { class: "admin-toolbar" }, h("h2", {}, title), controls);
}
