// <kefu-lists> is the left column: the pending queue (waiting time and
// queue position, live), the agent's own sessions (unread counts, customer
// typing) and the history search. Selecting a row opens the conversation;
// step(by) opens the one by rows below (above, if negative) the open one.

import { t, formatTime, formatDuration } from "../i18n.js";
import { previewText } from "../render.js";
import { h, fill, secondsSince, everySecond } from "./dom.js";
import { state, on, emit, queuePosition } from "./state.js";
import { accept, openConversation } from "./actions.js";
import { customerName, previewLine } from "./names.js";
import { toast } from "./toast.js";
import "./search.js";

const TABS = ["queue", "mine", "history"];

class KefuLists extends HTMLElement {
  connectedCallback() {
    this.tabs = h("div", { class: "tabs", role: "tablist", "aria-label": t("desk.lists_label") });
    this.body = h("div", { class: "list-body", role: "tabpanel", id: "list-panel" });
    this.search = document.createElement("kefu-search");
    this.append(this.tabs, this.body, this.search);
    for (const ev of ["lists", "open", "typing", "me"]) on(ev, () => this.render());
    document.addEventListener("kefu:lang", () => this.render());
    everySecond(this, () => this.tick());
    this.render();
  }

  render() {
    this.renderTabs();
    const history = state.tab === "history";
    this.search.hidden = !history;
    this.body.hidden = history;
    this.order = [];
    if (history) return;
    const items = [...(state.tab === "queue" ? state.queue : state.mine).values()];
    if (state.tab === "queue") items.sort((a, b) => Date.parse(a.queued_at) - Date.parse(b.queued_at) || a.id - b.id);
    else items.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
    this.order = items.map((c) => c.id);
    if (!items.length) {
      fill(this.body, h("p", { class: "empty", id: "list-empty" }, t(state.tab === "queue" ? "desk.queue_empty" : mineEmpty(state.me))));
      return;
    }
    // The queue is served oldest first: "Accept next" takes the customer who
    // has waited longest; accepting another is possible but out of turn.
    const head = state.tab === "queue" ? h("div", { class: "queue-head" },
      h("button", { type: "button", class: "btn btn-primary", id: "accept-next", onclick: () => this.accept(items[0], 0) }, t("desk.accept_next")),
      h("span", { class: "muted" }, t("desk.accept_next_hint"))) : null;
    fill(this.body, head, h("ul", { class: "conv-list", "aria-label": t(`desk.tab_${state.tab}`) }, items.map((c, i) => this.item(c, i))));
  }

  /** Opens the conversation by rows from the open one in the list shown, wrapping around. */
  step(by) {
    const ids = this.order || [];
    if (!ids.length) return;
    const i = ids.indexOf(state.openId);
    openConversation(ids[(i + by + ids.length) % ids.length]).catch((e) => toast(e.message, "error"));
  }

  /** Accepts a queued session; skipped is how many waited longer. */
  async accept(c, skipped) {
    try {
      await accept(c.id);
      if (skipped) toast(t("desk.accepted_out_of_turn", { name: customerName(c.customer), n: skipped }));
    } catch (e) { toast(e.message, "error"); }
  }

  renderTabs() {
    const count = { queue: state.queue.size, mine: state.mine.size };
    fill(this.tabs, TABS.map((name) => {
      const unread = name === "mine" ? [...state.mine.values()].reduce((n, c) => n + (c.unread || 0), 0) : 0;
      return h("button", { type: "button", role: "tab", id: `tab-${name}`, class: "tab", "aria-selected": String(state.tab === name),
        "aria-controls": "list-panel", onclick: () => { state.tab = name; this.render(); } },
      t(`desk.tab_${name}`),
      name in count ? h("span", { class: "count", "aria-label": t("desk.count_label", { n: count[name] }) }, count[name]) : null,
      unread ? h("span", { class: "badge", "aria-label": t("desk.unread", { n: unread }) }, unread) : null);
    }));
  }

  item(c, index) {
    const cust = c.customer || {};
    const name = customerName(cust);
    const queued = c.state === "queued";
    const typing = state.typing.get(c.id) > Date.now();
    const preview = typing ? t("desk.typing") : previewLine(c, previewText, state.me);
    const row = h("li", { class: `conv-item${c.id === state.openId ? " is-open" : ""}`, dataset: { id: c.id } },
      h("button", { type: "button", class: "conv-open", "aria-current": c.id === state.openId ? "true" : false,
        onclick: () => openConversation(c.id).catch((e) => toast(e.message, "error")) },
      h("span", { class: "conv-line" },
        h("span", { class: "conv-name" }, name),
        h("span", { class: `chip ch-${cust.channel}` }, t(`desk.channel_${cust.channel}`)),
        c.unread ? h("span", { class: "badge", "aria-label": t("desk.unread", { n: c.unread }) }, c.unread) : null),
      h("span", { class: `conv-preview${typing ? " is-typing" : ""}` }, preview),
      h("span", { class: "conv-meta" },
        queued ? [
          h("span", { class: "wait", dataset: { since: c.queued_at } }, t("desk.waiting", { d: formatDuration(secondsSince(c.queued_at)) })),
          h("span", { class: "pos" }, t("desk.position", { n: queuePosition(c) })),
        ] : h("span", {}, formatTime(c.updated_at)),
        c.session_from ? h("span", { class: "from", title: c.session_from }, c.session_from.slice(0, 40)) : null)));
    if (queued) {
      const first = index === 0;
      const label = first ? t("desk.accept_named", { name }) : t("desk.accept_out_of_turn", { name, n: index });
      row.append(h("button", { type: "button", class: `btn btn-sm accept${first ? " btn-primary" : " is-out-of-turn"}`, "aria-label": label, title: label,
        onclick: () => this.accept(c, index) }, t("desk.accept")));
    }
    return row;
  }

  tick() {
    for (const el of this.querySelectorAll(".wait[data-since]")) {
      el.textContent = t("desk.waiting", { d: formatDuration(secondsSince(el.dataset.since)) });
    }
    let expired = false;
    for (const [id, until] of state.typing) if (until <= Date.now()) { state.typing.delete(id); expired = true; }
    if (expired) emit("typing");
  }
}

/** The empty "Mine" text: what brings this agent sessions. */
function mineEmpty(me) {
  if (!me || !me.auto_accept) return "desk.mine_empty_manual";
  return me.status === "online" ? "desk.mine_empty_auto_online" : "desk.mine_empty_auto_offline";
}

customElements.define("kefu-lists", KefuLists);
