// <kefu-status-note> sits under the top bar and tells an agent what their
// status means for them while it keeps sessions away: that they are
// offline, with a one-click "Go online" — and, when presence set them
// offline while they were gone, for how long they were away and that their
// sessions went back to the queue (state.away, from /api/desk/me).

import { t } from "../i18n.js";
import { h, fill } from "./dom.js";
import { state, on } from "./state.js";
import { setStatus } from "./actions.js";
import { unlockSound } from "./notify.js";
import { toast } from "./toast.js";

class KefuStatusNote extends HTMLElement {
  connectedCallback() {
    this.setAttribute("role", "status");
    on("me", () => {
      if (state.me && state.me.status !== "offline") state.away = null;
      this.render();
    });
    document.addEventListener("kefu:lang", () => this.render());
    this.render();
  }

  render() {
    const me = state.me;
    if (!me || me.status !== "offline") { this.hidden = true; fill(this); return; }
    this.hidden = false;
    const away = state.away;
    let text = t("desk.offline_note");
    if (away) {
      const n = Math.max(1, Math.round(away.grace_seconds / 60));
      const k = away.requeued;
      text = t(k === 0 ? "desk.away_note_none" : k === 1 ? "desk.away_note_one" : "desk.away_note", { n, k });
    }
    this.classList.toggle("is-away", !!away);
    fill(this, h("span", { class: "status-note-text", id: "status-note-text" }, text),
      h("button", { type: "button", class: "btn btn-primary btn-sm", id: "go-online", onclick: () => this.goOnline() }, t("desk.go_online")),
      away ? h("button", { type: "button", class: "btn btn-ghost btn-sm", id: "away-dismiss", onclick: () => { state.away = null; this.render(); } }, t("common.close")) : null);
  }

  async goOnline() {
    unlockSound();
    try { await setStatus("online", false); } catch (e) { toast(e.message, "error"); }
  }
}

customElements.define("kefu-status-note", KefuStatusNote);
