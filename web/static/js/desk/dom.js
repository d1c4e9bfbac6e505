// dom.js builds DOM without HTML strings: h("button", {class: "btn", onclick}, t("desk.accept")).
// Children that are not nodes become text nodes, so untrusted text is always inert.

const PROPS = new Set(["value", "checked", "disabled", "selected", "hidden", "multiple", "required", "open", "indeterminate"]);

/** Creates an element with attributes, event listeners (onclick…) and children. */
export function h(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false && !PROPS.has(k)) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) e[k] = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  append(e, kids);
  return e;
}

function append(e, kids) {
  for (const kid of kids) {
    if (kid === null || kid === undefined || kid === false) continue;
    if (Array.isArray(kid)) append(e, kid);
    else e.append(kid instanceof Node ? kid : String(kid));
  }
}

/** Replaces an element's children. */
export function fill(e, ...kids) {
  e.replaceChildren();
  append(e, kids);
  return e;
}

/** Seconds from now until an ISO time (negative when past). */
export function secondsUntil(iso) {
  const t = Date.parse(iso || "");
  return Number.isNaN(t) ? -1 : (t - Date.now()) / 1000;
}

/** Seconds since an ISO time. */
export function secondsSince(iso) {
  const t = Date.parse(iso || "");
  return Number.isNaN(t) ? 0 : (Date.now() - t) / 1000;
}

/** Calls fn every second while the element is connected (for live timers). */
export function everySecond(el, fn) {
  const id = setInterval(() => { if (!el.isConnected) clearInterval(id); else fn(); }, 1000);
  return id;
}
