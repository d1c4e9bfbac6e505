// identity.js: who an anonymous visitor is. The id is random, kept in the
// localStorage of Kefu's own origin (in a cross-site iframe, browsers keep it
// per host site), and sent as visitor_id: the same browser finds its
// conversation again, and nothing identifies the person.

import { newClientID } from "/static/js/socket.js";

const KEY = "kefu.visitor";

/** Returns this browser's visitor id, creating it on first use. */
export function visitorID() {
  try {
    let id = localStorage.getItem(KEY);
    if (!id || id.length < 16 || id.length > 128) {
      id = newClientID() + newClientID();
      localStorage.setItem(KEY, id);
    }
    return id;
  } catch {
    // Storage is blocked: a visitor for this page view only.
    return newClientID() + newClientID();
  }
}

/** Reads a small JSON value from localStorage (null when absent or blocked). */
export function loadJSON(key) {
  try { return JSON.parse(localStorage.getItem(key) || "null"); } catch { return null; }
}

/** Saves a small JSON value to localStorage, or removes it when v is null. */
export function saveJSON(key, v) {
  try {
    if (v === null || v === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(v));
  } catch { /* storage is blocked: keep it in memory only */ }
}
