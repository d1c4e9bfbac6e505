// i18n: Kefu's text in zh-CN and English, loaded from /static/i18n/{lang}/{bundle}.json.
// No strings in code: components call t("bundle.key", {param: value}).
//
//   import { loadI18n, t, lang, setLang } from "/static/js/i18n.js";
//   await loadI18n(["common", "desk"]);
//   el.textContent = t("desk.accept");
//
// Changing the language dispatches "kefu:lang" on document after the new
// text is loaded, so elements can re-render.

export const LANGS = ["zh-CN", "en"];
const STORAGE_KEY = "kefu.lang";
let current = detect();
let bundles = [];
let dict = {};

/** Returns the language to start with: a saved choice, else the browser's. */
function detect() {
  let saved = null;
  try { saved = localStorage.getItem(STORAGE_KEY); } catch { /* storage may be blocked */ }
  if (LANGS.includes(saved)) return saved;
  const wanted = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(wanted)) return wanted;
  for (const l of navigator.languages || [navigator.language || "en"]) {
    if (/^zh/i.test(l)) return "zh-CN";
    if (/^en/i.test(l)) return "en";
  }
  return "en";
}

/** The current language. */
export function lang() { return current; }

/** Loads the named bundles for the current language. */
export async function loadI18n(names) {
  bundles = [...new Set([...bundles, ...names])];
  const loaded = await Promise.all(bundles.map(async (b) => {
    const res = await fetch(`/static/i18n/${current}/${b}.json`);
    if (!res.ok) throw new Error(`i18n: ${current}/${b}.json: HTTP ${res.status}`);
    return [b, await res.json()];
  }));
  dict = {};
  for (const [b, entries] of loaded) for (const [k, v] of Object.entries(entries)) dict[`${b}.${k}`] = v;
  document.documentElement.lang = current;
}

/** Switches the language, remembering the choice. */
export async function setLang(l) {
  if (!LANGS.includes(l) || l === current) return;
  current = l;
  try { localStorage.setItem(STORAGE_KEY, l); } catch { /* ignore */ }
  await loadI18n([]);
  document.dispatchEvent(new CustomEvent("kefu:lang", { detail: { lang: l } }));
}

/**
 * Returns the text for key with {name} placeholders filled from params.
 * A missing key shows itself, so it is noticed rather than hidden.
 */
export function t(key, params) {
  let s = dict[key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

/** Fills [data-i18n] (text) and [data-i18n-attr="attr:key,…"] elements under root. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(",")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

// One clock per language, wherever a time is shown: 12-hour in English,
// 24-hour in Chinese.
const HOUR_CYCLE = { en: "h12", "zh-CN": "h23" };

/** Formats a time for people, in the current language. */
export function formatTime(iso, opts = { hour: "numeric", minute: "2-digit" }) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const cycle = HOUR_CYCLE[current];
  const withTime = opts.hour || opts.timeStyle ? { ...opts, hourCycle: cycle } : opts;
  if (opts.hour) withTime.hour = cycle === "h12" ? "numeric" : "2-digit"; // "3:05 PM", "15:05"
  return new Intl.DateTimeFormat(current, withTime).format(d);
}

/** Formats a duration in seconds as "3m 05s" / "3分05秒". */
export function formatDuration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (h > 0) return t("common.duration_hm", { h, m: String(m).padStart(2, "0") });
  if (m > 0) return t("common.duration_ms", { m, s: String(s).padStart(2, "0") });
  return t("common.duration_s", { s });
}
