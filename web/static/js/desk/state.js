// state.js is the workspace's one store: the signed-in agent, the pending
// and own conversation lists, the open conversation and its messages, who
// is typing. Components read it and subscribe to its change events; only
// live.js and the actions below change it.
//
// Events (on(name, fn)): "me", "lists", "open", "messages", "conversation",
// "typing", "connection", "canned".

const bus = new EventTarget();

export const state = {
  me: null,
  away: null, // why presence set the agent offline, if it did (until they change status)
  connection: "connecting",
  queue: new Map(), // id → conversation view (queued)
  mine: new Map(), // id → conversation view (active with me)
  tab: "queue", // queue | mine | history
  openId: 0,
  open: null, // the open conversation's view
  messages: [], // its messages, by seq
  seqs: new Set(),
  // complete: every message of the open conversation up to this seq is in
  // messages (what the messages API said a page covered, then each live
  // message that follows on). A live message beyond complete + 1 shows a
  // hole (an event lost on the way), filled from the API.
  complete: 0,
  hasEarlier: false,
  outbox: [], // messages written but not yet stored by the server (outbox.js)
  typing: new Map(), // conversation id → until (ms)
  canned: { replies: [], teams: [] },
};

export function on(name, fn) { bus.addEventListener(name, (e) => fn(e.detail)); }
export function emit(name, detail) { bus.dispatchEvent(new CustomEvent(name, { detail })); }

/** Whether the open conversation is one the agent serves now. */
export function isMine(c) { return !!c && c.state === "active" && state.me && c.agent_id === state.me.id; }

/**
 * Puts a conversation (a full view, or the bare conversation of an event
 * merged into the view we have) in the list its state says. Returns whether
 * it is new to that list.
 */
export function place(conv) {
  const prev = state.queue.get(conv.id) || state.mine.get(conv.id) || (state.open && state.open.id === conv.id ? state.open : null);
  if (older(conv, prev)) return false;
  const view = prev ? { ...prev, ...conv } : conv;
  if (!view.customer) return false; // not a full view: the caller fetches one
  let added = false;
  if (view.state === "queued") {
    added = !state.queue.has(view.id);
    state.queue.set(view.id, view);
    state.mine.delete(view.id);
  } else if (isMine(view)) {
    added = !state.mine.has(view.id);
    state.mine.set(view.id, view);
    state.queue.delete(view.id);
  } else {
    state.queue.delete(view.id);
    state.mine.delete(view.id);
  }
  if (state.open && state.open.id === view.id) {
    state.open = { ...state.open, ...view };
    emit("conversation", state.open);
  }
  emit("lists");
  return added;
}

/**
 * Whether conv is an older picture of a conversation than prev: fewer
 * messages, or changed earlier. A view fetched before a live event can
 * answer after it; timestamps alone cannot tell them apart when both
 * changes fell in the same millisecond.
 */
export function older(conv, prev) {
  if (!prev || !conv) return false;
  if ((conv.last_seq || 0) < (prev.last_seq || 0)) return true;
  return !!(prev.updated_at && conv.updated_at && Date.parse(prev.updated_at) > Date.parse(conv.updated_at));
}

/** Queue position of a queued conversation (1 = next), among its app and team. */
export function queuePosition(c) {
  let n = 1;
  for (const o of state.queue.values()) {
    if (o.id === c.id || o.appid !== c.appid || (o.team_id || 0) !== (c.team_id || 0)) continue;
    const a = Date.parse(o.queued_at), b = Date.parse(c.queued_at);
    if (a < b || (a === b && o.id < c.id)) n++;
  }
  return n;
}

/** Adds messages of the open conversation, skipping ones we have; returns the new ones. */
export function addMessages(list) {
  const added = [];
  for (const m of list) {
    if (!m || state.seqs.has(m.seq) || m.kind === "event") continue;
    state.seqs.add(m.seq);
    added.push(m);
  }
  if (added.length && state.outbox.length) {
    // A message whose live event came before the answer to its send.
    const ids = new Set(added.map((m) => m.client_msg_id).filter(Boolean));
    state.outbox = state.outbox.filter((e) => !ids.has(e.id));
  }
  while (state.seqs.has(state.complete + 1)) state.complete++;
  if (added.length) {
    state.messages.push(...added);
    state.messages.sort((a, b) => a.seq - b.seq);
    emit("messages", { added });
  }
  return added;
}

/** Records that the messages API covered the open conversation up to seq. */
export function coveredTo(seq) {
  if (seq > state.complete) state.complete = seq;
  while (state.seqs.has(state.complete + 1)) state.complete++;
}

/**
 * Whether a message with seq leaves a hole below it in the open
 * conversation (not while its first page is still loading).
 */
export function holeBefore(seq) { return state.complete > 0 && seq > state.complete + 1; }

/** The highest seq we have of the open conversation. */
export function lastSeq() {
  return state.messages.length ? state.messages[state.messages.length - 1].seq : 0;
}
