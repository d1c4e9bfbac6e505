// desk.js starts the workspace page: text first, then the signed-in agent
// (or the sign-in form), then the lists and the live connection. It also
// wires the elements together: they tell what they need with events, and
// the page answers by calling the element that does it (the transfer
// dialog, the lightbox, the list, the composer); the assistant components'
// insertText fills the composer, and what they send (or why it was refused)
// is told to the agent.

import { loadI18n, translate, t } from "../i18n.js";
import { api, setCSRF } from "./api.js";
import { state, emit, on } from "./state.js";
import { loadLists } from "./actions.js";
import { startLive } from "./live.js";
import { unlockSound } from "./notify.js";
import { toast } from "./toast.js";

// The elements render text as they connect, so they are defined once the
// text is loaded.
const ELEMENTS = ["./login.js", "./topbar.js", "./status-note.js", "./lists.js", "./conversation.js", "./composer.js", "./side-pane.js",
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
  state.away = me.away || null;
  loginView.hidden = true;
  loginView.replaceChildren();
  shell.hidden = false;
  emit("me", state.me);
  await loadLists();
  startLive();
}

/** Tells the agent what an assistant component sent, or why it was refused. */
function componentResult({ component, type, ok, error }) {
  const name = component ? component.name : t("components.tools");
  if (ok) toast(t("components.sent", { name, type: t(`components.type_${type}`) }));
  else toast(t("components.refused", { name, reason: error.message }), "error");
}

/** The element of the page with this tag. */
const part = (tag) => document.querySelector(tag);

function insertFromComponent(text) {
  const composer = part("kefu-desk-composer");
  if (!composer || !composer.insertText(text)) toast(t("components.cannot_insert"), "error");
}

/** Answers the elements' requests: each event is handled by the element that can. */
function wireElements() {
  const answer = (type, fn) => document.addEventListener(type, (e) => fn(e.detail || {}));
  answer("kefu:transfer", (d) => part("kefu-transfer").open(d.conversation));
  answer("kefu:preview-image", (d) => part("kefu-lightbox").open(d.src));
  answer("kefu:shortcuts", () => part("kefu-shortcuts").show());
  answer("kefu:step-conversation", (d) => part("kefu-lists").step(d.by));
  answer("kefu:focus-composer", () => part("kefu-desk-composer").focus());
  answer("kefu-component-result", componentResult);
  answer("kefu-insert-text", (d) => insertFromComponent(d.text));
}

/**
 * Shows one view on a phone: "list", "conversation" or "panel" (the
 * conversation with its side pane under it, scrolled to the pane). On wider
 * screens every column shows and this only remembers the choice.
 */
function setView(v) {
  shell.dataset.view = v === "list" ? "list" : "conversation";
  if (v === "panel") document.querySelector(".col-panel").scrollIntoView({ block: "start" });
  else if (v === "list") window.scrollTo(0, 0);
}

async function main() {
  shell.dataset.view = "list";
  document.addEventListener("kefu:view", (e) => setView(e.detail));
  on("open", () => setView("conversation"));
  await loadI18n(["common", "desk", "components"]);
  translate();
  await Promise.all(ELEMENTS.map((m) => import(m)));
  document.addEventListener("kefu:lang", () => translate());
  document.addEventListener("pointerdown", unlockSound, { once: true });
  document.addEventListener("keydown", unlockSound, { once: true });
  document.addEventListener("kefu:signed-out", () => { if (!shell.hidden) location.reload(); });
  wireElements();
  loginView.addEventListener("signed-in", (e) => start(e.detail));
  try {
    await start(await api("GET", "/api/desk/me"));
  } catch {
    showLogin();
  }
}

main();
