// <kefu-transfer> hands the open conversation to another agent or a team,
// with an internal note. open(conversation).

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { transfer } from "./actions.js";
import { toast } from "./toast.js";

class KefuTransfer extends HTMLElement {
  async open(c) {
    let targets;
    try { targets = await api("GET", `/api/desk/conversations/${c.id}/transfer-targets`); } catch (err) { toast(err.message, "error"); return; }
    const option = (value, label, extra, disabled) => h("label", { class: `target${disabled ? " is-disabled" : ""}` },
      h("input", { type: "radio", name: "target", value, disabled, required: true }), h("span", {}, label), extra ? h("span", { class: "muted" }, extra) : null);
    const note = h("textarea", { id: "transfer-note", rows: "3", maxlength: "2000" });
    const error = h("p", { class: "form-error", role: "alert" });
    const form = h("form", { method: "dialog", class: "transfer-form" },
      h("fieldset", {}, h("legend", {}, t("desk.transfer_agents")),
        targets.agents.length ? targets.agents.map((a) => option(`agent:${a.id}`, a.name,
          t("desk.transfer_agent_load", { status: t(`desk.status_${a.status}`), n: a.active_count, max: a.max_sessions }), a.active_count >= a.max_sessions))
          : h("p", { class: "muted" }, t("desk.transfer_no_agents"))),
      h("fieldset", {}, h("legend", {}, t("desk.transfer_teams")),
        targets.teams.length ? targets.teams.map((x) => option(`team:${x.id}`, x.name)) : h("p", { class: "muted" }, t("desk.transfer_no_teams"))),
      h("label", { for: "transfer-note" }, t("desk.transfer_note")), note, error,
      h("div", { class: "dialog-actions" },
        h("button", { class: "btn", type: "button", value: "cancel", onclick: () => dialog.close() }, t("common.cancel")),
        h("button", { class: "btn btn-primary", type: "submit", id: "transfer-submit" }, t("desk.transfer"))));
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "transfer-title" }, h("h2", { id: "transfer-title" }, t("desk.transfer_title")), form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const picked = form.querySelector("input[name=target]:checked");
      if (!picked) return;
      const [kind, id] = picked.value.split(":");
      try {
        await transfer(c.id, { [kind === "agent" ? "agent_id" : "team_id"]: Number(id), note: note.value.trim() });
        dialog.close();
        toast(t("desk.transferred_toast"));
      } catch (err) { error.textContent = err.message; }
    });
    dialog.addEventListener("close", () => dialog.remove());
    fill(this, dialog);
    dialog.showModal();
  }
}

customElements.define("kefu-transfer", KefuTransfer);
