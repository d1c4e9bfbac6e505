// <kefu-desk-composer> writes to the open conversation: text (Enter sends,
// Shift+Enter adds a line), images (upload, then send), emoji, canned
// replies ("/" + shortcut, or the list), and internal notes the customer
// never sees. It sends typing frames while the agent writes.

import { t } from "../i18n.js";
import { newClientID } from "../socket.js";
import { upload } from "./api.js";
import { h, fill } from "./dom.js";
import { state, on, isMine } from "./state.js";
import { send } from "./actions.js";
import { sendFrame } from "./live.js";
import { enqueue } from "./outbox.js";
import { toast } from "./toast.js";
import "./canned.js";

const EMOJI = ["😀", "😊", "🙂", "😉", "😂", "🤔", "😅", "😢", "😮", "👍", "👌", "🙏", "👏", "💪", "🎉", "❤️", "🌹", "☕",
  "📦", "🚚", "💰", "🧾", "✅", "❌", "⏰", "📞", "✉️", "🔧", "⭐", "🙇"];
const TYPING_EVERY = 4000;
const TYPING_IDLE = 5000;

class KefuDeskComposer extends HTMLElement {
  connectedCallback() {
    this.note = false;
    this.render();
    on("open", () => { this.reset(); this.update(); });
    on("conversation", () => this.update());
    on("me", () => this.update());
    document.addEventListener("kefu:lang", () => this.render());
  }

  render() {
    this.text = h("textarea", { id: "composer-text", rows: "3", "aria-label": t("desk.composer_label"), placeholder: t("desk.composer_placeholder") });
    this.text.addEventListener("keydown", (e) => this.onKey(e));
    this.text.addEventListener("keyup", () => { this.sentKey = false; });
    this.text.addEventListener("input", () => this.onInput());
    this.file = h("input", { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp", hidden: true, id: "composer-file" });
    this.file.addEventListener("change", () => this.sendImage());
    this.noteBtn = h("button", { type: "button", class: "btn btn-ghost", id: "composer-note", "aria-pressed": "false", onclick: () => this.setNote(!this.note) }, t("desk.note"));
    this.emojiBtn = h("button", { type: "button", class: "btn btn-ghost", id: "composer-emoji", "aria-haspopup": "true", "aria-expanded": "false", "aria-label": t("desk.emoji"), onclick: () => this.toggleEmoji() }, "☺");
    this.imageBtn = h("button", { type: "button", class: "btn btn-ghost", id: "composer-image", onclick: () => this.file.click() }, t("desk.image"));
    this.canned = document.createElement("kefu-canned");
    this.canned.addEventListener("pick", (e) => this.insert(e.detail));
    this.cannedBtn = h("button", { type: "button", class: "btn btn-ghost", id: "composer-canned", "aria-haspopup": "true", onclick: () => this.canned.toggle("") }, t("desk.canned"));
    this.sendBtn = h("button", { type: "button", class: "btn btn-primary", id: "composer-send", onclick: () => this.sendText() }, t("desk.send"));
    this.emoji = h("div", { class: "emoji-pop", role: "group", "aria-label": t("desk.emoji"), hidden: true },
      EMOJI.map((e) => h("button", { type: "button", class: "emoji", onclick: () => { this.insert(e); this.toggleEmoji(false); } }, e)));
    this.hint = h("div", { class: "composer-hint", id: "composer-hint" });
    fill(this,
      h("div", { class: "composer-tools" }, this.emojiBtn, this.imageBtn, this.cannedBtn, this.noteBtn, this.file),
      this.emoji, this.canned, this.text,
      h("div", { class: "composer-foot" }, this.hint, this.sendBtn));
    this.update();
  }

  reset() {
    if (this.text) this.text.value = "";
    this.setNote(false);
    this.stopTyping();
  }

  setNote(on) {
    this.note = on;
    this.classList.toggle("is-note", on);
    this.noteBtn.setAttribute("aria-pressed", String(on));
    this.update();
  }

  /** Enables what the agent may do in the open conversation. */
  update() {
    const c = state.open;
    this.hidden = !c;
    if (!c) return;
    const mine = isMine(c);
    if (!mine && !this.note && c.state !== "developer") this.note = true;
    const canReply = mine && !this.note;
    const canWrite = mine || (this.note && c.state !== "developer") || (this.note && state.me.role === "admin");
    this.classList.toggle("is-note", this.note);
    this.noteBtn.setAttribute("aria-pressed", String(this.note));
    this.text.disabled = !canWrite;
    this.sendBtn.disabled = !canWrite;
    this.imageBtn.disabled = !canReply;
    this.emojiBtn.disabled = !canWrite;
    this.cannedBtn.disabled = !canWrite;
    this.noteBtn.disabled = !mine;
    this.sendBtn.textContent = t(this.note ? "desk.add_note" : "desk.send");
    this.text.placeholder = t(this.note ? "desk.note_placeholder" : canReply ? "desk.composer_placeholder" : "desk.composer_readonly");
    this.hint.textContent = this.note ? t("desk.note_hint") : t("desk.enter_hint");
  }

  onKey(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.sentKey = true;
      this.sendText();
    } else if (e.key === "Escape") {
      this.canned.close();
      this.toggleEmoji(false);
    }
  }

  onInput() {
    // The Enter that sent the message must not leave a line in the emptied box.
    if (this.sentKey && this.text.value === "\n") this.text.value = "";
    const v = this.text.value;
    if (v.startsWith("/") && !v.includes(" ") && !v.includes("\n")) this.canned.toggle(v.slice(1), true);
    else this.canned.close();
    if (!this.note) this.typing();
  }

  typing() {
    const c = state.open;
    if (!isMine(c)) return;
    const now = Date.now();
    if (!this.typingSent || now - this.typingSent > TYPING_EVERY) {
      this.typingSent = now;
      sendFrame({ type: "typing", conversation_id: c.id, on: true });
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    clearTimeout(this.typingIdle);
    if (this.typingSent && state.open) sendFrame({ type: "typing", conversation_id: state.open.id, on: false });
    this.typingSent = 0;
  }

  /** Focuses the text box (Alt+/). */
  focus() { if (this.text && !this.hidden) this.text.focus(); }

  /**
   * Puts text at the caret and focuses the composer (an assistant
   * component's insertText). Returns false when the agent may not write here.
   */
  insertText(s) {
    if (this.hidden || !this.text || this.text.disabled) return false;
    this.insert(s);
    if (!this.note) this.typing();
    return true;
  }

  insert(s) {
    const ta = this.text;
    if (ta.value.startsWith("/") && !ta.value.includes(" ")) ta.value = "";
    const at = ta.selectionStart ?? ta.value.length;
    ta.value = ta.value.slice(0, at) + s + ta.value.slice(ta.selectionEnd ?? at);
    ta.focus();
    ta.selectionStart = ta.selectionEnd = at + s.length;
  }

  toggleEmoji(show) {
    const open = show === undefined ? this.emoji.hidden : show;
    this.emoji.hidden = !open;
    this.emojiBtn.setAttribute("aria-expanded", String(open));
    if (open) this.emoji.querySelector("button").focus();
  }

  /** Hands the text to the outbox (which sends it, in order, retrying through network drops) and clears the box. */
  sendText() {
    const content = this.text.value.trim();
    if (!content || this.text.disabled || !state.open) return;
    enqueue(state.open.id, { client_msg_id: newClientID(), kind: "text", internal: this.note, text: { content } });
    this.text.value = "";
    this.typingSent = 0;
    clearTimeout(this.typingIdle);
    this.text.focus();
  }

  async sendImage() {
    const f = this.file.files[0];
    this.file.value = "";
    if (!f || !state.open) return;
    try {
      const up = await upload(`/api/desk/media?appid=${encodeURIComponent(state.open.appid)}`, f);
      await send({ client_msg_id: newClientID(), kind: "image", image: { media_id: up.media_id } });
    } catch (err) { toast(err.message, "error"); }
  }
}

customElements.define("kefu-desk-composer", KefuDeskComposer);
