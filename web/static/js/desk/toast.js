// toast.js shows short messages at the bottom of the page (role=status).
// While a modal dialog is open the messages go inside it: the rest of the
// page is then inert and under the backdrop, so they would be neither seen
// nor announced.

import { h } from "./dom.js";

let box = null;

/** Shows text for a few seconds; kind "error" makes it an alert. */
export function toast(text, kind = "info") {
  const host = [...document.querySelectorAll("dialog[open]")].filter((d) => d.matches(":modal")).pop() || document.body;
  if (!box) box = h("div", { class: "toasts", "aria-live": "polite" });
  if (box.parentNode !== host) host.append(box);
  const el = h("div", { class: `toast is-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  box.append(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 4000);
}
