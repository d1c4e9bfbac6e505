// <kefu-composer>: where the customer writes — a growing text box (Enter
// sends, Shift+Enter breaks the line, an input method's Enter does
// neither), an emoji panel, an image button (and pasting an image), and a
// send button. It reports typing: on at the first key, again every few
// seconds while it goes on, off after a pause or on sending.
//
//   composer.setLabels(t);
//   composer.addEventListener("send-text", (e) => … e.detail.text);
//   composer.addEventListener("send-image", (e) => … e.detail.file);
//   composer.addEventListener("typing", (e) => … e.detail.on);
//
// Attributes: disabled (while nobody can be written to).

import { iconButton as button } from "/static/widget/icons.js";

const EMOJI = ["😀", "😁", "😂", "🤣", "😊", "🙂", "😉", "😍", "😘", "😎", "🤔", "😅", "😮", "😴", "😢", "😭", "😡", "👍",
  "👎", "👏", "🙏", "💪", "👌", "✌️", "👋", "🤝", "🎉", "❤️", "💔", "🌹", "☕", "🎁", "📦", "🚚", "💰", "🕐", "✅", "❌", "❓", "❗"];
const TYPING_REPEAT = 5000; // re-announce typing while it goes on
const TYPING_IDLE = 4000;   // a pause this long means the customer stopped
const IMAGE_TYPES = "image/png,image/jpeg,image/gif,image/webp";

class Composer extends HTMLElement {
  static get observedAttributes() { return ["disabled"]; }

  connectedCallback() {
    if (this.input) return;
    this.emojiBtn = button("composer-btn composer-emoji", "smile");
    this.emojiBtn.setAttribute("aria-expanded", "false");
    this.imageBtn = button("composer-btn composer-image", "image");
    this.file = document.createElement("input");
    this.file.type = "file";
    this.file.accept = IMAGE_TYPES;
    this.file.hidden = true;
    this.input = document.createElement("textarea");
    this.input.className = "composer-input";
    this.input.rows = 1;
    this.input.maxLength = 2000;
    this.input.enterKeyHint = "send";
    this.sendBtn = button("composer-btn composer-send", "send");
    this.panel = document.createElement("div");
    this.panel.className = "composer-emoji-panel";
    this.panel.hidden = true;
    this.panel.id = `emoji-${Math.random().toString(36).slice(2)}`;
    this.emojiBtn.setAttribute("aria-controls", this.panel.id);
    for (const e of EMOJI) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "composer-emoji-item";
      b.textContent = e;
      b.addEventListener("click", () => this.insert(e));
      this.panel.append(b);
    }
    const row = document.createElement("div");
    row.className = "composer-row";
    row.append(this.emojiBtn, this.input, this.imageBtn, this.sendBtn, this.file);
    this.append(this.panel, row);

    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("input", () => { this.autosize(); this.onTyping(); this.updateSend(); });
    this.input.addEventListener("paste", (e) => this.onPaste(e));
    this.input.addEventListener("blur", () => { if (!this.input.value) this.stopTyping(); });
    this.sendBtn.addEventListener("click", () => this.submit());
    this.imageBtn.addEventListener("click", () => this.file.click());
    this.file.addEventListener("change", () => {
      for (const f of this.file.files) this.emit("send-image", { file: f });
      this.file.value = "";
    });
    this.emojiBtn.addEventListener("click", () => this.toggleEmoji());
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.stopPropagation(); this.toggleEmoji(false); this.emojiBtn.focus(); }
    });
    this.updateSend();
  }

  attributeChangedCallback() {
    if (!this.input) return;
    const off = this.hasAttribute("disabled");
    for (const c of [this.input, this.sendBtn, this.imageBtn, this.emojiBtn]) c.disabled = off;
    if (!off) this.updateSend();
  }

  /** Sets the accessible labels and the placeholder in the current language. */
  setLabels(t) {
    this.input.setAttribute("aria-label", t("chat.message_label"));
    this.input.placeholder = t("chat.placeholder");
    this.emojiBtn.setAttribute("aria-label", t("chat.emoji"));
    this.imageBtn.setAttribute("aria-label", t("chat.send_image"));
    this.sendBtn.setAttribute("aria-label", t("chat.send"));
    this.panel.setAttribute("aria-label", t("chat.emoji"));
    for (const b of [this.emojiBtn, this.imageBtn, this.sendBtn]) b.title = b.getAttribute("aria-label");
  }

  focus() { this.input.focus(); }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  onKey(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      this.submit();
    } else if (e.key === "Escape" && !this.panel.hidden) {
      e.stopPropagation();
      this.toggleEmoji(false);
    }
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.hasAttribute("disabled")) return;
    this.input.value = "";
    this.autosize();
    this.updateSend();
    this.stopTyping();
    this.toggleEmoji(false);
    this.emit("send-text", { text });
    this.input.focus();
  }

  onPaste(e) {
    const files = [...(e.clipboardData && e.clipboardData.files || [])].filter((f) => f.type.startsWith("image/"));
    if (!files.length) return;
    e.preventDefault();
    for (const f of files) this.emit("send-image", { file: f });
  }

  insert(text) {
    const i = this.input;
    const start = i.selectionStart ?? i.value.length, end = i.selectionEnd ?? i.value.length;
    i.setRangeText(text, start, end, "end");
    i.dispatchEvent(new Event("input"));
    i.focus();
  }

  toggleEmoji(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.emojiBtn.setAttribute("aria-expanded", String(open));
    this.classList.toggle("is-emoji-open", open);
    if (open) this.panel.firstElementChild.focus();
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  updateSend() {
    this.sendBtn.disabled = this.hasAttribute("disabled") || !this.input.value.trim();
  }

  onTyping() {
    const now = Date.now();
    if (!this.input.value) { this.stopTyping(); return; }
    if (!this.typingSince || now - this.typingSince > TYPING_REPEAT) {
      this.typingSince = now;
      this.emit("typing", { on: true });
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    clearTimeout(this.idle);
    if (!this.typingSince) return;
    this.typingSince = 0;
    this.emit("typing", { on: false });
  }
}

customElements.define("kefu-composer", Composer);
