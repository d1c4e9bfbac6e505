// <kefu-push-log>: what the developer's push URL received, message by
// message: each try with its query, its body (and the body decrypted, in
// safe mode), the answer, the status, how long it took and what it meant.
//
//   log.setLabels(t);
//   log.add(pushes);        // from GET /api/client/pushes, oldest first
//   log.highlight(messageID);
//
// Every text reaches the DOM as text.

import { formatTime } from "/static/js/i18n.js";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Pretty-prints a JSON body; anything else is shown as it is. */
function pretty(body) {
  const s = String(body || "");
  if (!/^\s*[{[]/.test(s)) return s;
  try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return s; }
}

class PushLog extends HTMLElement {
  connectedCallback() {
    if (this.list) return;
    this.empty = el("p", "push-empty");
    this.list = el("div", "push-list");
    this.append(this.empty, this.list);
    this.groups = new Map(); // message id → {node, tries}
    this.t = (k) => k;
  }

  setLabels(t) {
    this.t = t;
    this.setEmpty("sim.pushes_empty");
  }

  /**
   * Says why no push shows: none yet ("sim.pushes_empty"), or this page
   * may not see them (the key of the reason) — never "nothing pushed" when
   * that is not known.
   */
  setEmpty(key) {
    this.emptyKey = key;
    this.empty.textContent = this.t(key);
    this.empty.dataset.reason = key;
  }

  /** Forgets every push (another customer). */
  clear() {
    this.list.replaceChildren();
    this.groups.clear();
    this.empty.hidden = false;
  }

  /** Adds tries of pushes. */
  add(pushes) {
    const near = this.scrollHeight - this.scrollTop - this.clientHeight < 60;
    for (const p of pushes) this.addOne(p);
    this.empty.hidden = this.groups.size > 0;
    if (pushes.length && near) this.scrollTop = this.scrollHeight;
  }

  addOne(p) {
    let g = this.groups.get(p.message_id);
    if (!g) {
      g = this.group(p);
      this.groups.set(p.message_id, g);
      this.list.append(g.node);
    }
    g.tries.append(this.attempt(p));
    g.result.textContent = this.t(`sim.result_${p.result}`);
    g.result.dataset.result = p.result;
  }

  group(p) {
    const t = this.t;
    const m = p.message || {};
    const node = el("article", "push");
    node.dataset.messageId = p.message_id;
    const head = el("header", "push-head");
    const kind = m.MsgType === "event" ? m.Event : m.MsgType || "?";
    head.append(el("span", "push-kind", kind));
    let summary = "";
    if (m.MsgType === "event") summary = `SessionFrom = ${JSON.stringify(m.SessionFrom || "")}`;
    else if (m.MsgType === "text") summary = m.Content || "";
    else if (m.MsgType === "image") summary = m.PicUrl || m.MediaId || "";
    else if (m.MsgType === "miniprogrampage") summary = `${m.Title || ""} · ${m.PagePath || ""}`;
    head.append(el("span", "push-summary", summary));
    const result = el("span", "push-result");
    head.append(result);
    const tries = el("ol", "push-tries");
    tries.setAttribute("aria-label", t("sim.tries"));
    node.append(head, tries);
    return { node, tries, result };
  }

  attempt(p) {
    const t = this.t;
    const li = el("li", "push-try");
    const d = el("details");
    const s = el("summary");
    s.append(
      el("span", "push-try-n", t("sim.try_n", { n: p.try })),
      el("span", `push-status ${p.status_code === 200 ? "is-ok" : "is-bad"}`, p.status_code ? `HTTP ${p.status_code}` : t("sim.no_answer")),
      el("span", "push-latency", `${Math.round(p.latency_ms)} ms`),
      el("span", "push-time", formatTime(p.created_at, { hour: "2-digit", minute: "2-digit", second: "2-digit" })),
      el("span", "push-try-result", t(`sim.result_${p.result}`)),
    );
    d.append(s);
    const dl = el("dl", "push-detail");
    const row = (label, value, cls) => {
      if (value === "" || value === undefined || value === null) return;
      dl.append(el("dt", "", label));
      const dd = el("dd", cls || "");
      if (value instanceof Node) dd.append(value);
      else dd.append(el("pre", "", value));
      dl.append(dd);
    };
    row(t("sim.request"), `POST ${p.url}`);
    const q = el("table", "push-query");
    for (const [k, vs] of Object.entries(p.query || {})) {
      const tr = el("tr");
      tr.append(el("th", "", k), el("td", "", (vs || []).join(", ")));
      q.append(tr);
    }
    row(t("sim.query"), q);
    // What the developer's code works with first, then what went over the wire.
    if (p.plain) row(t("sim.decrypted"), pretty(p.plain), "is-plain");
    row(t("sim.body"), pretty(p.body));
    row(t("sim.response"), p.response || t("sim.empty_body"));
    if (p.response_plain) row(t("sim.response_decrypted"), p.response_plain, "is-plain");
    if (p.error) row(t("sim.error"), p.error, "is-error");
    if (p.warning) row(t("sim.warning"), p.warning, "is-warning");
    d.append(dl);
    li.append(d);
    if (p.result === "failed") li.classList.add("is-failed");
    return li;
  }

  /** Brings a message's pushes into view. */
  highlight(messageID) {
    const g = this.groups.get(messageID);
    if (!g) return false;
    g.node.scrollIntoView({ block: "nearest", behavior: "smooth" });
    g.node.classList.remove("is-flash");
    void g.node.offsetWidth;
    g.node.classList.add("is-flash");
    const first = g.node.querySelector("details");
    if (first) first.open = true;
    return true;
  }

  /** The last try of a message's push (for the marks beside its bubble). */
  last(messageID) {
    const g = this.groups.get(messageID);
    return g ? g.result.dataset.result : "";
  }
}

customElements.define("kefu-push-log", PushLog);
