// desk.js starts the workspace page: text first, then the signed-in agent
// (or the sign-in form), then the lists and the live connection.

import { loadI18n, translate } from "../i18n.js";
import { api, setCSRF } from "./api.js";
import { state, emit } from "./state.js";
import { loadLists } from "./actions.js";
import { startLive } from "./live.js";
import { unlockSound } from "./notify.js";

// The elements render text as they connect, so they are defined once the
// text is loaded.
const ELEMENTS = ["./login.js", "./topbar.js", "./lists.js", "./conversation.js", "./composer.js", "./panel.js",
  "./transfer.js", "./lightbox.js", "./shortcuts.js"];

const loginView = document.getElementById("login-view");
const shell = document.getElementById("desk");

function showLogin() {
  shell.hidden = true;
  loginView.hidden = false;
  loginView.replaceChildren(document.createElement("kefu-login"));
}

async function start(me) {
  setCSRF(me.csrf_token);
  state.me = me.agent;
  loginView.hidden = true;
  loginView.replaceChildren();
  shell.hidden = false;
  emit("me", state.me);
  await loadLists();
  startLive();
}

async function main() {
  await loadI18n(["common", "desk"]);
  translate();
  await Promise.all(ELEMENTS.map((m) => import(m)));
  document.addEventListener("kefu:lang", () => translate());
  document.addEventListener("pointerdown", unlockSound, { once: true });
  document.addEventListener("keydown", unlockSound, { once: true });
  document.addEventListener("kefu:signed-out", () => { if (!shell.hidden) location.reload(); });
  loginView.addEventListener("signed-in", (e) => start(e.detail));
  try {
    await start(await api("GET", "/api/desk/me"));
  } catch {
    showLogin();
  }
}

main();
