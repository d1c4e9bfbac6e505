// <kefu-lightbox> shows an image full size in a modal dialog. open(src).

import { t } from "../i18n.js";
import { safeImageSrc } from "../render.js";
import { h, fill } from "./dom.js";

class KefuLightbox extends HTMLElement {
  open(src) {
    const safe = safeImageSrc(src);
    if (!safe) return;
    const dialog = h("dialog", { class: "lightbox", "aria-label": t("desk.image_preview") },
      h("img", { src: safe, alt: t("common.image_alt") }),
      h("form", { method: "dialog" }, h("button", { class: "btn", type: "submit", autofocus: true }, t("common.close"))));
    dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
    dialog.addEventListener("close", () => dialog.remove());
    fill(this, dialog);
    dialog.showModal();
  }
}

customElements.define("kefu-lightbox", KefuLightbox);
