// conversation.js: what the customer's chat shows — stored messages by
// sequence number (each once, whichever way it arrived), messages still
// being sent, the session state, who is typing, and how much is unread.
// Elements subscribe to "change" (detail.what: "messages" | "pending" |
// "state" | "typing" | "unread") and read from it; only the page's own
// module writes to it.

export class Conversation extends EventTarget {
  constructor() {
    super();
    this.reset();
  }

  /** Forgets everything (another customer signs in). */
  reset() {
    this.bySeq = new Map();   // seq → message
    this.seqs = [];           // sorted
    this.pending = new Map(); // client_msg_id → {clientMsgID, kind, body, status: "sending" | "failed", error, preview}
    this.state = { state: "developer" };
    this.typing = null;       // {who, name} while the agent types
    this.readSeq = 0;         // the customer's read marker
    this.firstSeq = 0;        // the earliest sequence number loaded
    this.complete = false;    // nothing earlier to load
    this.changed("reset");
  }

  changed(what, detail = {}) {
    this.dispatchEvent(new CustomEvent("change", { detail: { what, ...detail } }));
  }

  /** Adds stored messages (from any source, in any order); returns those that were new. */
  add(msgs) {
    const added = [];
    for (const m of msgs) {
      if (!m || !m.seq || this.bySeq.has(m.seq)) continue;
      this.bySeq.set(m.seq, m);
      added.push(m);
      if (m.client_msg_id && this.pending.delete(m.client_msg_id)) this.changed("pending");
      if (m.sender !== "user" && this.typing) this.typing = null; // a message ends typing
    }
    if (!added.length) return added;
    this.seqs = [...this.bySeq.keys()].sort((a, b) => a - b);
    this.firstSeq = this.seqs[0];
    this.changed("messages", { added });
    this.changed("unread");
    return added;
  }

  /** The messages in order. */
  messages() { return this.seqs.map((s) => this.bySeq.get(s)); }

  /** The highest sequence number held. */
  lastSeq() { return this.seqs.length ? this.seqs[this.seqs.length - 1] : 0; }

  /** Records a message being sent. */
  addPending(p) {
    this.pending.set(p.clientMsgID, { status: "sending", ...p });
    this.changed("pending");
  }

  /** Marks a pending message failed (with the server's reason). */
  failPending(clientMsgID, error) {
    const p = this.pending.get(clientMsgID);
    if (!p) return;
    p.status = "failed";
    p.error = error || "";
    this.changed("pending");
  }

  /** Marks a pending message as waiting out an outage: it goes again by itself. */
  retryingPending(clientMsgID) {
    const p = this.pending.get(clientMsgID);
    if (!p || p.status === "retrying") return;
    p.status = "retrying";
    this.changed("pending");
  }

  /** Forgets a pending message (sent, or given up). */
  dropPending(clientMsgID) {
    if (this.pending.delete(clientMsgID)) this.changed("pending");
  }

  setState(st) {
    this.state = st || { state: "developer" };
    if (this.state.state !== "active") this.typing = null;
    this.changed("state");
  }

  setTyping(t, name) {
    const on = t && t.on;
    this.typing = on ? { who: t.who, name: name || "" } : null;
    this.changed("typing");
  }

  /** Moves the read marker forward. */
  markRead(seq) {
    if (seq <= this.readSeq) return;
    this.readSeq = seq;
    this.changed("unread");
  }

  /** Counts messages from customer service after the read marker. */
  unread() {
    let n = 0;
    for (let i = this.seqs.length - 1; i >= 0 && this.seqs[i] > this.readSeq; i--) {
      const m = this.bySeq.get(this.seqs[i]);
      if (m.sender === "agent" || m.sender === "developer") n++;
    }
    return n;
  }
}
