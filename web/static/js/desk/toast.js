// toast.js shows short messages at the bottom of the page (role=status).

import { h } from "./dom.js";

let box = null;

/** Shows text for a few seconds; kind "error" makes it an alert. */
export function toast(text, kind = "info") {
  if (!box) {
    box = h("div", { class: "toasts", "aria-live": "polite" });
    document.body.append(box);
  }
  const el = h("div", { class: `toast is-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  box.append(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 4000);
}
