// api.js calls the desk and admin APIs: JSON in and out, the session's
// CSRF token on every change, and errors as ApiError with the server's code
// and message (shape: {"error": {"code", "message"}}). An ApiError's message
// is a sentence for people, in their language, chosen by the code (the
// server's own message, English and terse, is its detail); a dropped network
// is the code "network".

import { t } from "../i18n.js";

let csrf = "";

/** Remembers the CSRF token from /api/desk/login or /api/desk/me. */
export function setCSRF(token) { csrf = token || ""; }

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(errorSentence(code, detail));
    this.status = status;
    this.code = code;
    this.detail = detail || "";
  }
}

// Codes whose server detail says what to change (a form field, a limit):
// the detail follows the sentence.
const DETAILED = new Set(["invalid", "too_large", "capacity", "window", "channel", "rate_limited", "quota"]);

/** The sentence shown for an error code, with the server's detail where it helps. */
export function errorSentence(code, detail) {
  const key = `common.error_${code}`;
  let s = t(key);
  if (s === key) s = t("common.error_generic");
  if (detail && DETAILED.has(code)) s = t("common.error_detail", { sentence: s, detail: sentence(detail) });
  return s;
}

// Field names the server's details may start with, as people write them.
const WORDS = { url: "URL", appid: "AppID", openid: "OpenID", json: "JSON", xml: "XML" };

function sentence(s) {
  s = String(s).trim();
  const first = /^[a-z_]+/.exec(s);
  s = first && WORDS[first[0]] ? WORDS[first[0]] + s.slice(first[0].length) : s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?。！？]$/.test(s) ? s : `${s}.`;
}

async function send(path, init) {
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "");
  }
}

async function handle(res) {
  if (res.status === 204 || res.status === 202) return null;
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (body && body.error) || {};
    const err = new ApiError(res.status, e.code || "internal", e.message || res.statusText);
    if (res.status === 401) document.dispatchEvent(new CustomEvent("kefu:signed-out", { detail: err }));
    throw err;
  }
  return body;
}

/** Calls method path with an optional JSON body; returns the decoded answer. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await send(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  return handle(res);
}

/** Uploads a file in the multipart field "media". */
export async function upload(path, file) {
  const form = new FormData();
  form.append("media", file, file.name || "image");
  const res = await send(path, { method: "POST", headers: { "X-CSRF-Token": csrf }, body: form, credentials: "same-origin" });
  return handle(res);
}

/** Builds a query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
