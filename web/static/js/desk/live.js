// live.js owns the workspace's WebSocket (/api/desk/ws): it applies every
// event to state.js and, on each hello — sent once the server listens for
// us, after every (re)connect and whenever what we may see changed (our
// apps, teams or role, a new app for an admin) — reloads the lists and
// fetches the open conversation's messages after what it is complete up
// to, so nothing is missed. A live message that leaves a gap below it in the
// open conversation fetches the gap. The server may deliver a message twice
// (its sweep for messages the bus lost races the bus): messages are
// deduplicated by id here and by seq in the open conversation.

import { KefuSocket } from "../socket.js";
import { previewText } from "../render.js";
import { t } from "../i18n.js";
import { state, emit, place, addMessages, isMine, holeBefore } from "./state.js";
import { loadLists, catchUp, refreshConversation, markRead, openConversation } from "./actions.js";
import { notifyNewSession, notifyNewMessage } from "./notify.js";
import { customerName as displayName } from "./names.js";
import { wake } from "./outbox.js";

let sock = null;
const TYPING_SHOWN = 15000; // the server's typing lifetime (engine.TypingLifetime)
const SEEN_KEPT = 5000; // message ids remembered against duplicates
const seen = new Set(); // ids of the messages that came live, oldest first

/** Records a live message's id; reports false if it came before. */
function firstTime(m) {
  if (seen.has(m.id)) return false;
  seen.add(m.id);
  if (seen.size > SEEN_KEPT) seen.delete(seen.values().next().value);
  return true;
}

/** Starts the connection; returns the socket (for typing frames). */
export function startLive() {
  sock = new KefuSocket(() => "/api/desk/ws");
  sock.addEventListener("status", (e) => {
    state.connection = e.detail;
    emit("connection", e.detail);
    if (e.detail === "online") wake(); // what waits for a retry goes now
  });
  sock.addEventListener("frame", (e) => { handle(e.detail).catch(() => {}); });
  sock.start();
  return sock;
}

/** Sends a frame if connected. */
export function sendFrame(frame) { return sock ? sock.send(frame) : false; }

async function resync() {
  await loadLists();
  await catchUp();
}

function customerName(c) { return displayName(c && c.customer); }

async function upsert(conv) {
  const known = state.queue.get(conv.id) || state.mine.get(conv.id) || (state.open && state.open.id === conv.id ? state.open : null);
  if (known && known.agent_id !== conv.agent_id) return !!(await refreshConversation(conv.id).catch(() => null)); // a new agent's name
  if (known) return place(conv);
  if (conv.state !== "queued" && !isMine(conv)) return false;
  const view = await refreshConversation(conv.id).catch(() => null);
  return !!view;
}

async function handle(ev) {
  switch (ev.type) {
    case "hello":
      state.me = ev.agent;
      emit("me", state.me);
      await resync();
      return;
    case "agent":
      if (ev.agent && state.me && ev.agent.id === state.me.id) {
        state.me = ev.agent;
        emit("me", state.me);
        if (ev.agent.disabled) document.dispatchEvent(new CustomEvent("kefu:signed-out"));
      }
      emit("agent", ev.agent);
      return;
    case "typing":
      if (ev.typing && ev.typing.who === "user") {
        // Shown for the server's typing lifetime from now: its "until" is on
        // the server's clock, which need not agree with this browser's.
        if (ev.typing.on) state.typing.set(ev.conversation_id, Date.now() + TYPING_SHOWN);
        else state.typing.delete(ev.conversation_id);
        emit("typing", ev.conversation_id);
      }
      return;
    case "push":
      if (ev.conversation_id === state.openId && ev.push) {
        const m = state.messages.find((x) => x.id === ev.push.message_id);
        if (m) { m.push = ev.push.status; emit("messages", { updated: [m] }); }
      }
      return;
    case "upstream":
      if (ev.conversation_id === state.openId && ev.upstream) {
        const m = state.messages.find((x) => x.id === ev.upstream.message_id);
        if (m) { m.upstream = ev.upstream.status; emit("messages", { updated: [m] }); }
      }
      return;
    case "conversation":
    case "message": {
      const conv = ev.conversation;
      if (!conv) return;
      const wasQueued = state.queue.has(conv.id), wasMine = state.mine.has(conv.id);
      const fresh = ev.type === "message" && ev.message && ev.message.kind !== "event" && firstTime(ev.message);
      if (fresh) {
        const m = ev.message;
        if (m.sender === "user") state.typing.delete(conv.id);
        const listed = state.mine.get(conv.id) || state.queue.get(conv.id);
        // Not newer than the list's preview: a gap filled late, or what the
        // list loaded already (its unread count is the server's).
        const newer = !listed || !listed.last_message || listed.last_message.seq < m.seq;
        if (conv.id === state.openId) {
          const hole = holeBefore(m.seq);
          addMessages([m]);
          if (hole) catchUp().catch(() => {}); // what came before it never arrived
          markRead();
        } else if (m.sender === "user" && listed && newer) {
          listed.unread = (listed.unread || 0) + 1;
        }
        if (listed && newer) listed.last_message = m;
      }
      await upsert(conv);
      const online = state.me && state.me.status === "online";
      const open = () => openConversation(conv.id);
      if (!wasQueued && state.queue.has(conv.id) && online) notifyNewSession(customerName(state.queue.get(conv.id)), open);
      else if (!wasMine && state.mine.has(conv.id)) notifyNewSession(customerName(state.mine.get(conv.id)), open);
      else if (fresh && ev.message.sender === "user" && state.mine.has(conv.id) &&
               (conv.id !== state.openId || document.hidden)) {
        notifyNewMessage(customerName(state.mine.get(conv.id)), previewText(ev.message, t), open);
      }
      return;
    }
  }
}
