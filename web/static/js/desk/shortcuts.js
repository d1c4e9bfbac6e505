// <kefu-shortcuts> handles the workspace's keyboard shortcuts and lists
// them in a dialog (also on "?").
//
//   Alt+1 / Alt+2 / Alt+3  pending / mine / history
//   Alt+J / Alt+K          next / previous conversation in the list
//   Alt+A                  accept the open (or oldest) pending session
//   Alt+/                  focus the composer
//   Enter / Shift+Enter    send / new line;  "/" + shortcut: canned reply
//   ?                      this list
//
// What belongs to other elements is asked for with events (bubbling, for
// the page to act on): kefu:step-conversation {by: 1 | -1} and
// kefu:focus-composer. show() opens the list.

import { t } from "../i18n.js";
import { h, fill } from "./dom.js";
import { state, emit } from "./state.js";
import { accept } from "./actions.js";
import { toast } from "./toast.js";

const KEYS = [["Alt+1", "desk.key_queue"], ["Alt+2", "desk.key_mine"], ["Alt+3", "desk.key_history"], ["Alt+J", "desk.key_next"],
  ["Alt+K", "desk.key_prev"], ["Alt+A", "desk.key_accept"], ["Alt+/", "desk.key_compose"], ["Enter", "desk.key_send"],
  ["Shift+Enter", "desk.key_newline"], ["/", "desk.key_canned"], ["Esc", "desk.key_escape"], ["?", "desk.key_help"]];

class KefuShortcuts extends HTMLElement {
  connectedCallback() {
    document.addEventListener("keydown", (e) => this.onKey(e));
  }

  onKey(e) {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
    if (e.key === "?" && !typing) { e.preventDefault(); this.show(); return; }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const list = () => [...(state.tab === "queue" ? state.queue : state.mine).keys()];
    const move = (by) => this.tell("kefu:step-conversation", { by });
    const tabs = { Digit1: "queue", Digit2: "mine", Digit3: "history" };
    if (tabs[e.code]) { state.tab = tabs[e.code]; emit("lists"); }
    else if (e.code === "KeyJ") move(1);
    else if (e.code === "KeyK") move(-1);
    else if (e.code === "KeyA") {
      const id = state.open && state.open.state === "queued" ? state.open.id : list()[0];
      if (id && state.queue.has(id)) accept(id).catch((err) => toast(err.message, "error"));
    } else if (e.code === "Slash") this.tell("kefu:focus-composer");
    else return;
    e.preventDefault();
  }

  tell(type, detail) { this.dispatchEvent(new CustomEvent(type, { bubbles: true, detail })); }

  show() {
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "keys-title" }, h("h2", { id: "keys-title" }, t("desk.shortcuts")),
      h("dl", { class: "keys" }, KEYS.map(([k, d]) => [h("dt", {}, h("kbd", {}, k)), h("dd", {}, t(d))])),
      h("form", { method: "dialog", class: "dialog-actions" }, h("button", { class: "btn", type: "submit", autofocus: true }, t("common.close"))));
    dialog.addEventListener("close", () => dialog.remove());
    fill(this, dialog);
    dialog.showModal();
  }
}

customElements.define("kefu-shortcuts", KefuShortcuts);
