// <kefu-image-viewer>: an image at full size in a modal dialog; Escape,
// the close button or a click anywhere closes it and focus returns to
// where it was.
//
//   viewer.open(src, t);

import { safeImageSrc } from "/static/js/render.js";
import { iconButton } from "/static/widget/icons.js";

class ImageViewer extends HTMLElement {
  connectedCallback() {
    if (this.dialog) return;
    this.dialog = document.createElement("dialog");
    this.dialog.className = "viewer";
    this.img = document.createElement("img");
    this.img.className = "viewer-img";
    this.closeBtn = iconButton("viewer-close", "close");
    this.dialog.append(this.closeBtn, this.img);
    this.append(this.dialog);
    this.dialog.addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("close", () => { this.img.removeAttribute("src"); if (this.back) this.back.focus(); });
  }

  open(src, t) {
    const safe = safeImageSrc(src);
    if (!safe) return;
    this.back = document.activeElement;
    this.img.src = safe;
    this.img.alt = t("common.image_alt");
    this.closeBtn.setAttribute("aria-label", t("common.close"));
    this.dialog.setAttribute("aria-label", t("common.image_alt"));
    this.dialog.showModal();
    this.closeBtn.focus();
  }
}

customElements.define("kefu-image-viewer", ImageViewer);
