// outbox.js holds what the agent sent until the server has it. Each message
// keeps its client message id for every try, so a try whose answer was lost
// (the network dropped after the server stored it) is not stored twice: the
// server answers a repeated id with the message it already has. Messages of
// a conversation go in the order they were written: while one is retried,
// the ones after it wait. A try that fails because the network or the
// server is down is retried (sooner when the connection comes back); one the
// server refuses, and one retried too often, stays "failed" with the reason,
// for the agent to retry.
//
// Each entry: {id (the client message id), conversationId, body, state:
// "sending" | "retrying" | "failed", error}. state.outbox lists them; "messages"
// is emitted with {outbox: true} whenever one changes.

import { api } from "./api.js";
import { state, emit, addMessages } from "./state.js";

const TRIES = 6;
const TRANSIENT = new Set(["network", "unavailable", "internal"]);
const running = new Set(); // conversation ids being flushed
const wakers = new Map(); // conversation id → cut the wait before the next try short

/** Queues a message for a conversation and starts sending. */
export function enqueue(conversationId, body) {
  state.outbox.push({ id: body.client_msg_id, conversationId, body, state: "sending", error: "", tries: 0 });
  changed();
  flush(conversationId);
}

/** Sends a failed message again (and those waiting behind it). */
export function retry(id) {
  const e = state.outbox.find((x) => x.id === id);
  if (!e) return;
  e.state = "sending";
  e.error = "";
  e.tries = 0;
  changed();
  flush(e.conversationId);
}

/** Tries at once what waits for a retry: the connection is back. */
export function wake() {
  for (const w of wakers.values()) w();
}

/** Forgets a message the server has (its live event may arrive before the answer). */
export function delivered(clientMsgId) {
  const i = state.outbox.findIndex((x) => x.id === clientMsgId);
  if (i >= 0) { state.outbox.splice(i, 1); changed(); }
}

function changed() { emit("messages", { outbox: true }); }

async function flush(conversationId) {
  if (running.has(conversationId)) return;
  running.add(conversationId);
  try {
    for (;;) {
      const e = state.outbox.find((x) => x.conversationId === conversationId);
      if (!e || e.state === "failed") return;
      try {
        e.tries++;
        const m = await api("POST", `/api/desk/conversations/${conversationId}/messages`, e.body);
        delivered(e.id);
        if (state.openId === conversationId) addMessages([m]);
      } catch (err) {
        e.error = err.message;
        if (!TRANSIENT.has(err.code) || e.tries >= TRIES) { e.state = "failed"; changed(); return; }
        e.state = "retrying";
        changed();
        await pause(conversationId, Math.min(8000, 500 * 2 ** e.tries));
        if (e.state === "retrying") e.state = "sending";
      }
    }
  } finally {
    running.delete(conversationId);
    wakers.delete(conversationId);
  }
}

function pause(conversationId, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); wakers.delete(conversationId); resolve(); }
    wakers.set(conversationId, done);
  });
}
