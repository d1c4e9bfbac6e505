// <kefu-rating-card>: after an agent closes the chat, the customer is asked
// how it went — five stars (1 to 5) and an optional comment — and the
// answer goes to POST /api/client/rating. Used by the web widget, the
// simulator and any page built on ChatSession.
//
//   card.watch(chatSession, t);
//
// The card shows when a "session closed" notice arrives live, or is the
// last message when the chat opens, and was not answered or dismissed on
// this device (the server keeps one rating per session anyway).

const STORE = "kefu.rated.";

class RatingCard extends HTMLElement {
  connectedCallback() {
    if (this.form) return;
    this.hidden = true;
    this.setAttribute("role", "region");
    this.lead = document.createElement("p");
    this.lead.className = "rating-lead";
    this.stars = document.createElement("div");
    this.stars.className = "rating-stars";
    this.stars.setAttribute("role", "radiogroup");
    this.buttons = [1, 2, 3, 4, 5].map((n) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "rating-star";
      b.dataset.score = String(n);
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", "false");
      b.textContent = "★";
      b.addEventListener("click", () => this.pick(n));
      this.stars.append(b);
      return b;
    });
    this.comment = document.createElement("textarea");
    this.comment.className = "rating-comment";
    this.comment.maxLength = 500;
    this.comment.rows = 2;
    this.send = document.createElement("button");
    this.send.type = "button";
    this.send.className = "btn btn-primary rating-send";
    this.send.disabled = true;
    this.later = document.createElement("button");
    this.later.type = "button";
    this.later.className = "btn btn-ghost rating-later";
    this.error = document.createElement("p");
    this.error.className = "rating-error";
    this.error.setAttribute("role", "alert");
    const actions = document.createElement("div");
    actions.className = "rating-actions";
    actions.append(this.later, this.send);
    this.form = document.createElement("div");
    this.form.append(this.stars, this.comment, this.error, actions);
    this.append(this.lead, this.form);
    this.send.addEventListener("click", () => this.submit());
    this.later.addEventListener("click", () => this.done());
  }

  /** Follows a ChatSession: shows the card when a session it served closes. */
  watch(chat, t) {
    this.chat = chat;
    this.t = t;
    chat.addEventListener("change", (e) => {
      const d = e.detail;
      if (d.what === "reset") { this.hidden = true; return; }
      if (d.what !== "messages") return;
      const conv = chat.conv;
      const last = conv.bySeq.get(conv.seqs[conv.seqs.length - 1]);
      if (last && last.kind === "notice" && last.notice && last.notice.code === "session_closed") this.offer(last);
      else if (last && last.sender === "user") this.hidden = true; // a new chat begins
    });
  }

  key() { return `${STORE}${this.chat.o.appid}.${this.chat.whoKey}.${this.msg.seq}`; }

  offer(msg) {
    this.msg = msg;
    try { if (localStorage.getItem(this.key())) return; } catch { /* storage may be blocked */ }
    const t = this.t;
    this.setAttribute("aria-label", t("chat.rating_label"));
    this.lead.textContent = t("chat.rating_ask");
    this.buttons.forEach((b, i) => { b.setAttribute("aria-label", t("chat.rating_star", { n: i + 1 })); b.title = t(`chat.rating_${i + 1}`); });
    this.comment.placeholder = t("chat.rating_comment");
    this.comment.setAttribute("aria-label", t("chat.rating_comment"));
    this.send.textContent = t("chat.rating_send");
    this.later.textContent = t("chat.rating_later");
    this.error.textContent = "";
    this.form.hidden = false;
    this.pick(0);
    this.comment.value = "";
    this.hidden = false;
  }

  pick(n) {
    this.score = n;
    this.buttons.forEach((b, i) => { b.setAttribute("aria-checked", String(i + 1 === n)); b.classList.toggle("is-on", i < n); });
    this.send.disabled = n === 0;
  }

  async submit() {
    this.send.disabled = true;
    try {
      const client = await this.chat.start();
      await client.api("POST", "/api/client/rating", { score: this.score, comment: this.comment.value.trim() });
    } catch (err) {
      this.error.textContent = err.message || "";
      this.send.disabled = false;
      return;
    }
    this.form.hidden = true;
    this.lead.textContent = this.t("chat.rating_thanks");
    this.remember();
  }

  remember() { try { localStorage.setItem(this.key(), "1"); } catch { /* storage may be blocked */ } }

  done() { this.remember(); this.hidden = true; }
}

customElements.define("kefu-rating-card", RatingCard);
