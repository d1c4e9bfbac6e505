// <kefu-chat-header>: who the customer is talking to — the agent's name
// and avatar while one serves them, else the app — with a line saying
// where the session stands (waiting, queue position, reconnecting) and a
// close button when the chat runs inside a page.
//
//   header.show({ t, appName, state, connection, closable });
//
// Events: "close".

import { avatar } from "/static/widget/avatar.js";
import { iconButton } from "/static/widget/icons.js";

class ChatHeader extends HTMLElement {
  connectedCallback() {
    if (this.title_) return;
    this.pic = document.createElement("span");
    this.pic.className = "header-avatar";
    const text = document.createElement("div");
    text.className = "header-text";
    this.title_ = document.createElement("h1");
    this.title_.className = "header-title";
    this.sub = document.createElement("p");
    this.sub.className = "header-sub";
    this.sub.setAttribute("role", "status");
    text.append(this.title_, this.sub);
    this.closeBtn = iconButton("header-close", "close");
    this.closeBtn.addEventListener("click", () => this.dispatchEvent(new Event("close")));
    this.append(this.pic, text, this.closeBtn);
  }

  /** Shows the session: {t, appName, state: client state, connection, closable}. */
  show({ t, appName, state, connection, closable }) {
    const st = state || {};
    const agent = st.state === "active" && st.agent && st.agent.name;
    this.pic.replaceChildren(agent ? avatar(agent, "agent") : avatar(appName || "?", "app"));
    this.title_.textContent = agent || appName || t("chat.title");
    this.dataset.state = st.state || "";
    let line;
    if (connection === "offline") line = t("common.offline");
    else if (connection === "connecting") line = t("common.connecting");
    else if (st.state === "queued") line = st.queue_position ? t("chat.sub_queued_at", { n: st.queue_position }) : t("chat.sub_queued");
    else if (agent) line = t("chat.sub_agent");
    else line = t("chat.sub_developer");
    this.sub.textContent = line;
    this.dataset.connection = connection || "";
    this.closeBtn.hidden = !closable;
    this.closeBtn.setAttribute("aria-label", t("chat.close"));
    this.closeBtn.title = t("chat.close");
  }
}

customElements.define("kefu-chat-header", ChatHeader);
