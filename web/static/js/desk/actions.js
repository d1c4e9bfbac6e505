// actions.js is what the workspace does: load lists, open a conversation
// and its history, accept, send, close, transfer, change status. Each
// action calls the desk API and updates state.js.

import { api, query } from "./api.js";
import { t } from "../i18n.js";
import { state, emit, place, addMessages, lastSeq, isMine, coveredTo, older } from "./state.js";
import { toast } from "./toast.js";

const PAGE = 100;

/** Reloads the pending and own lists from the server. */
export async function loadLists() {
  const [q, mine] = await Promise.all([api("GET", "/api/desk/queue"), api("GET", "/api/desk/conversations?mine=1")]);
  // A row that a live event made newer while the lists were on their way
  // keeps what the event told.
  const fresher = (c) => {
    const had = state.queue.get(c.id) || state.mine.get(c.id);
    return older(c, had) ? had : c;
  };
  const queue = q.conversations.map(fresher), own = mine.conversations.map(fresher);
  state.queue = new Map(queue.filter((c) => c.state === "queued").map((c) => [c.id, c]));
  state.mine = new Map(own.filter(isMine).map((c) => [c.id, c]));
  emit("lists");
}

/** Fetches a conversation's view and places it in its list. */
export async function refreshConversation(id) {
  const view = await api("GET", `/api/desk/conversations/${id}`);
  if (state.open && state.open.id === id) state.open = { ...state.open, ...view };
  place(view);
  return view;
}

/** Opens a conversation: its view (with sessions) and its latest messages. */
export async function openConversation(id) {
  state.openId = id;
  state.messages = [];
  state.seqs = new Set();
  state.complete = 0;
  state.hasEarlier = false;
  state.earliest = 0;
  state.open = state.queue.get(id) || state.mine.get(id) || null;
  emit("open", state.open);
  const view = await api("GET", `/api/desk/conversations/${id}`);
  if (state.openId !== id) return;
  state.open = view;
  emit("open", view);
  const page = await api("GET", `/api/desk/conversations/${id}/messages${query({ before: view.last_seq + 1, limit: PAGE })}`);
  if (state.openId !== id) return;
  state.earliest = Math.max(view.last_seq + 1 - PAGE, 1);
  state.hasEarlier = view.last_seq - PAGE > 0;
  addMessages(page.messages);
  coveredTo(view.last_seq); // the page holds every message up to the conversation's last
  emit("messages", { added: [], reset: true });
  markRead();
}

/** Loads the page of messages before the first one shown. */
export async function loadEarlier() {
  const id = state.openId;
  const first = state.earliest || (state.messages.length ? state.messages[0].seq : lastSeq() + 1);
  if (!id || first <= 1) return;
  const page = await api("GET", `/api/desk/conversations/${id}/messages${query({ before: first, limit: PAGE })}`);
  if (state.openId !== id) return;
  state.earliest = Math.max(first - PAGE, 1);
  state.hasEarlier = first - 1 - PAGE > 0;
  addMessages(page.messages);
  emit("messages", { added: [], earlier: true });
}

let catching = null; // the catch-up under way
let again = false; // asked for once more while one was under way

/**
 * Fetches every message after what the open conversation is complete up
 * to — on every hello, and when a live message shows a hole — then the
 * conversation's view. Calls during one make it run once more after.
 */
export function catchUp() {
  if (catching) {
    again = true;
    return catching;
  }
  catching = (async () => {
    try {
      do {
        again = false;
        await fetchMissing();
      } while (again);
    } finally {
      catching = null;
    }
  })();
  return catching;
}

async function fetchMissing() {
  const id = state.openId;
  if (!id) return;
  for (;;) {
    const from = state.complete;
    const page = await api("GET", `/api/desk/conversations/${id}/messages${query({ after: from, limit: 500 })}`);
    if (state.openId !== id) return;
    addMessages(page.messages);
    coveredTo(page.last_seq); // events included: their seqs never come live
    if (page.last_seq <= from) break;
  }
  await refreshConversation(id);
}

/** Tells the server the agent has read the open conversation. */
export function markRead() {
  const c = state.open;
  const seq = lastSeq();
  if (!c || !seq || document.hidden || seq <= (c.agent_read_seq || 0)) return;
  c.agent_read_seq = seq;
  c.unread = 0;
  const listed = state.mine.get(c.id) || state.queue.get(c.id);
  if (listed) listed.unread = 0;
  emit("lists");
  api("POST", `/api/desk/conversations/${c.id}/read`, { seq }).catch(() => {});
}

/**
 * Accepts a queued session. An offline agent is not offered sessions and
 * may not take one: accepting says "I am working", so they go online first.
 */
export async function accept(id) {
  if (state.me && state.me.status === "offline") {
    await setStatus("online", false);
    toast(t("desk.went_online"));
  }
  const view = await api("POST", `/api/desk/conversations/${id}/accept`, {});
  place(view);
  state.tab = "mine";
  emit("lists");
  if (state.openId !== id) await openConversation(id);
  else { state.open = { ...state.open, ...view }; emit("conversation", state.open); }
}

/** Sends a message (or an internal note) to the open conversation. */
export async function send(body) {
  const id = state.openId;
  const m = await api("POST", `/api/desk/conversations/${id}/messages`, body);
  if (state.openId === id) addMessages([m]);
  return m;
}

export async function close(id) {
  const view = await api("POST", `/api/desk/conversations/${id}/close`, {});
  place(view);
}

export async function transfer(id, target) {
  await api("POST", `/api/desk/conversations/${id}/transfer`, target);
  await refreshConversation(id);
}

export async function setStatus(status, reassign) {
  const me = await api("POST", "/api/desk/status", { status, reassign: !!reassign });
  state.me = me;
  emit("me", me);
}

export async function loadCanned() {
  state.canned = await api("GET", "/api/desk/canned");
  emit("canned", state.canned);
}
