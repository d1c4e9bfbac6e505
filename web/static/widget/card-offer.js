// <kefu-card-offer>: the message card bubble of WeChat's button — on entering the
// chat, a card about the page the customer came from waits at the bottom
// right; one tap sends it to customer service as a mini program card.
//
//   offer.show({ t, title, path, img });  offer.hide();
//
// Events: "send" (detail: {title, path, img}), "dismiss".

import { iconButton } from "/static/widget/icons.js";
import { safeImageSrc } from "/static/js/render.js";

class CardOffer extends HTMLElement {
  connectedCallback() {
    if (this.body) return;
    this.hidden = true;
    this.setAttribute("role", "region");
    this.lead = document.createElement("p");
    this.lead.className = "offer-lead";
    this.body = document.createElement("div");
    this.body.className = "offer-card";
    this.titleEl = document.createElement("div");
    this.titleEl.className = "offer-title";
    this.thumb = document.createElement("img");
    this.thumb.className = "offer-thumb";
    this.thumb.alt = "";
    this.body.append(this.thumb, this.titleEl);
    this.sendBtn = document.createElement("button");
    this.sendBtn.type = "button";
    this.sendBtn.className = "btn btn-primary offer-send";
    this.closeBtn = iconButton("offer-close", "close");
    this.append(this.closeBtn, this.lead, this.body, this.sendBtn);
    this.sendBtn.addEventListener("click", () => {
      this.hide();
      this.dispatchEvent(new CustomEvent("send", { detail: this.card }));
    });
    this.closeBtn.addEventListener("click", () => { this.hide(); this.dispatchEvent(new Event("dismiss")); });
  }

  /** Offers a card: {t, title, path, img}. */
  show({ t, title, path, img }) {
    this.card = { title, path, img };
    this.setAttribute("aria-label", t("chat.offer_label"));
    this.lead.textContent = t("chat.offer_lead");
    this.titleEl.textContent = title;
    const src = safeImageSrc(img);
    this.thumb.hidden = !src;
    if (src) this.thumb.src = src;
    else this.thumb.removeAttribute("src");
    this.sendBtn.textContent = t("chat.offer_send");
    this.closeBtn.setAttribute("aria-label", t("chat.offer_dismiss"));
    this.closeBtn.title = t("chat.offer_dismiss");
    this.hidden = false;
  }

  hide() { this.hidden = true; }
}

customElements.define("kefu-card-offer", CardOffer);
