// <kefu-image-viewer>: an image at full size in a modal dialog; Escape,
// the close button or a click anywhere closes it and focus returns to
// where it was.
//
//   viewer.open(src, t);

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
    this.back = document.activeElement;
    this.img.src = src;
    this.img.alt = t("common.image_alt");
    this.closeBtn.setAttribute("aria-label", t("common.close"));
    this.dialog.setAttribute("aria-label", t("common.image_alt"));
    this.dialog.showModal();
    this.closeBtn.focus();
  }
}

customElements.define("kefu-image-viewer", ImageViewer);
