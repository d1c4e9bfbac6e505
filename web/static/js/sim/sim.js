// sim.js: the mini program simulator (/sim). A phone shows a mini program
// page with a customer-service button — <button open-type="contact"> with
// the attributes edited on the left — and, once tapped, WeChat's chat page:
// the card offer, text, images, mini program cards. Tapping a card or a
// data-miniprogram-path link "navigates" the mini program and fires
// bindcontact (the event log). The simulated WeChat user is one of the
// users kept in this browser, or a new one. On the right, beside the
// conversation, every push the developer received for it, try by try.

import { loadI18n, t, translate, lang, setLang, formatTime } from "/static/js/i18n.js";
import { newClientID } from "/static/js/socket.js";
import { APIError } from "/static/widget/client.js";
import { ChatSession } from "/static/widget/session.js";
import { loadJSON, saveJSON } from "/static/widget/identity.js";
import { icon } from "/static/widget/icons.js";
import "/static/widget/chat-log.js";
import "/static/widget/composer.js";
import "/static/widget/card-offer.js";
import "/static/widget/image-viewer.js";
import "/static/widget/rating-card.js";
import "/static/js/sim/push-log.js";

const USERS = "kefu.sim.users";
const ATTRS = "kefu.sim.attrs";
const HOME = "pages/index/index";
const POLL = 1500; // how often the push log asks for new tries

const $ = (s) => document.querySelector(s);

class Simulator {
  constructor(app) {
    this.app = app;
    this.page = { path: HOME, query: {}, from: null };
    this.view = "page";
    this.pushAfter = 0;
    this.pushState = "";      // "", "signin", "forbidden"
    this.msgIDs = new Map();  // message id → seq, to mark bubbles that were pushed
    this.pushes = $("kefu-push-log");
    this.chat = new ChatSession({
      appid: app.appid, channel: "miniprogram", t, appName: () => app.name,
      els: { log: $("kefu-chat-log"), composer: $("kefu-composer"), offer: $("kefu-card-offer"), viewer: $("kefu-image-viewer") },
      onNavigate: (path, query) => this.bindcontact(path, query),
    });
  }

  run() {
    document.title = t("sim.title");
    translate();
    this.pushes.setLabels(t);
    $(".sim-app-name").textContent = this.app.name;
    $(".sim-appid").textContent = this.app.appid;
    $(".sim-app-form [name=appid]").value = this.app.appid;
    $(".sim-app-form").addEventListener("submit", (e) => {
      e.preventDefault();
      location.search = `?appid=${encodeURIComponent(e.target.appid.value.trim())}`;
    });
    $(".sim-lang").addEventListener("click", () => setLang(lang() === "en" ? "zh-CN" : "en").then(() => location.reload()));
    $(".phone-back").append(icon("back"));
    $(".phone-back").setAttribute("aria-label", t("sim.back"));
    $(".phone-back").addEventListener("click", () => this.show("page"));
    $(".mp-contact").addEventListener("click", () => this.openChat());
    $(".mp-contact-icon").append(icon("chat"));
    this.setupUsers();
    this.setupAttrs();
    this.setupSignin();
    $("kefu-rating-card").watch(this.chat, t);
    this.chat.addEventListener("identified", (e) => {
      $(".sim-openid code").textContent = e.detail.openid;
      this.pushes.clear();
      this.pushAfter = 0;
      this.pollPushes();
    });
    this.chat.addEventListener("failed", (e) => { $(".sim-status").textContent = t("sim.error_identify", { reason: e.detail.message }); });
    this.chat.addEventListener("change", (e) => {
      const w = e.detail.what;
      if (w === "messages" || w === "reset") this.markPushed();
      if (w === "state" || w === "reset") this.showBanner();
    });
    // Clicking a bubble shows its pushes.
    $("kefu-chat-log").addEventListener("click", (e) => {
      const row = e.target.closest(".log-row[data-seq]");
      const m = row && this.chat.conv.bySeq.get(+row.dataset.seq);
      if (m && m.sender === "user") this.pushes.highlight(m.id);
    });
    this.show("page");
    this.chat.start().catch(() => {});
    setInterval(() => this.pollPushes(), POLL);
  }

  // --- the simulated WeChat user -------------------------------------------

  setupUsers() {
    let users = loadJSON(USERS);
    if (!Array.isArray(users) || !users.length) users = [this.newUser(1)];
    this.users = users.filter((u) => u && typeof u.id === "string" && u.id.length >= 16);
    if (!this.users.length) this.users = [this.newUser(1)];
    const sel = $(".sim-user select");
    const fill = () => {
      sel.replaceChildren(...this.users.map((u) => {
        const o = document.createElement("option");
        o.value = u.id;
        o.textContent = u.name;
        return o;
      }));
    };
    fill();
    const current = new URLSearchParams(location.search).get("user");
    this.user = this.users.find((u) => u.id === current) || this.users[0];
    sel.value = this.user.id;
    sel.addEventListener("change", () => this.pickUser(this.users.find((u) => u.id === sel.value)));
    $(".sim-new-user").addEventListener("click", () => {
      const u = this.newUser(this.users.length + 1);
      this.users.push(u);
      fill();
      sel.value = u.id;
      this.pickUser(u);
    });
    const nick = $(".sim-user [name=nickname]");
    nick.value = this.user.name;
    nick.addEventListener("change", () => {
      this.user.name = nick.value.trim() || this.user.name;
      fill();
      sel.value = this.user.id;
      this.saveUsers();
      this.chat.stop();
      this.chat.setWho({ visitorID: this.user.id, name: this.user.name });
      this.chat.start().catch(() => {});
    });
    this.saveUsers();
    this.chat.setWho({ visitorID: this.user.id, name: this.user.name });
  }

  newUser(n) {
    return { id: `sim-${newClientID()}${newClientID()}`, name: t("sim.user_default", { n }) };
  }

  saveUsers() { saveJSON(USERS, this.users.slice(-50)); }

  pickUser(u) {
    this.user = u;
    $(".sim-user [name=nickname]").value = u.name;
    $(".sim-openid code").textContent = "";
    $(".sim-events").replaceChildren();
    this.saveUsers();
    this.show("page");
    this.chat.setWho({ visitorID: u.id, name: u.name });
    this.chat.start().catch(() => {});
  }

  // --- the button's attributes ------------------------------------------------

  setupAttrs() {
    const form = $(".sim-attrs");
    const saved = loadJSON(ATTRS) || {};
    const defaults = {
      sessionFrom: "sim-home", title: t("sim.product_name"), path: "/pages/item/item?id=42",
      img: `${location.origin}/static/widget/img/kettle.png`, showCard: true,
    };
    const a = { ...defaults, ...saved };
    for (const k of ["sessionFrom", "title", "path", "img"]) form[k].value = typeof a[k] === "string" ? a[k] : "";
    form.showCard.checked = a.showCard !== false;
    const update = () => {
      this.attrs = {
        sessionFrom: form.sessionFrom.value, title: form.title.value.trim(), path: form.path.value.trim(),
        img: form.img.value.trim(), showCard: form.showCard.checked,
      };
      saveJSON(ATTRS, this.attrs);
      this.showMarkup();
    };
    form.addEventListener("input", update);
    form.addEventListener("submit", (e) => e.preventDefault());
    update();
  }

  /** The button as the mini program's WXML would have it. */
  showMarkup() {
    const a = this.attrs;
    const q = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    const lines = ['<button open-type="contact"'];
    if (a.sessionFrom) lines.push(`  session-from="${q(a.sessionFrom)}"`);
    if (a.showCard) lines.push('  show-message-card="{{true}}"');
    if (a.title) lines.push(`  send-message-title="${q(a.title)}"`);
    if (a.path) lines.push(`  send-message-path="${q(a.path)}"`);
    if (a.img) lines.push(`  send-message-img="${q(a.img)}"`);
    lines.push('  bindcontact="onContact">');
    lines.push(`  ${t("sim.contact")}`, "</button>");
    $(".sim-wxml").textContent = lines.join("\n");
  }

  /** The card offered: the attributes, or this page's title, path and picture. */
  card() {
    const a = this.attrs;
    return {
      title: a.title || t("sim.product_name"),
      path: a.path || `/${this.page.path}${queryString(this.page.query)}`,
      img: a.img || `${location.origin}/static/widget/img/kettle.png`,
    };
  }

  // --- the phone ------------------------------------------------------------------

  show(view) {
    this.view = view;
    $(".mp-page").hidden = view !== "page";
    $(".mp-chat").hidden = view !== "chat";
    $(".phone-back").hidden = view !== "chat";
    $(".phone").dataset.view = view;
    $(".phone-title").textContent = view === "chat" ? this.app.name : t("sim.page_title");
    this.chat.setOpened(view === "chat");
    $(".mp-path code").textContent = `${this.page.path}${queryString(this.page.query)}`;
    const opened = $(".mp-opened");
    opened.hidden = !this.page.from;
    if (this.page.from) opened.textContent = t("sim.opened_from_chat", { query: JSON.stringify(this.page.query) });
  }

  async openChat() {
    const a = this.attrs;
    this.show("chat");
    $("kefu-composer").focus();
    const card = a.showCard ? this.card() : null;
    this.logEvent("enter", t("sim.event_enter", { from: JSON.stringify(a.sessionFrom) }));
    try {
      await this.chat.enter(a.sessionFrom, card);
    } catch (err) {
      $(".sim-status").textContent = err.message;
      return;
    }
    if (card) $("kefu-card-offer").show({ t, ...card });
    else $("kefu-card-offer").hide();
  }

  /** A card or link in the chat was tapped: WeChat leaves the chat for that page and fires bindcontact. */
  bindcontact(path, query) {
    this.page = { path: path.replace(/^\//, ""), query, from: "chat" };
    this.show("page");
    this.logEvent("bindcontact", JSON.stringify({ type: "contact", detail: { path, query } }));
  }

  logEvent(kind, text) {
    const li = document.createElement("li");
    li.dataset.kind = kind;
    const time = document.createElement("time");
    time.textContent = formatTime(new Date().toISOString(), { hour: "numeric", minute: "2-digit", second: "2-digit" });
    const name = document.createElement("b");
    name.textContent = kind;
    const body = document.createElement("code");
    body.textContent = text;
    li.append(time, name, body);
    $(".sim-events").append(li);
    li.scrollIntoView({ block: "nearest" });
  }

  showBanner() {
    const st = this.chat.conv.state;
    const b = $(".mp-chat .chat-banner");
    b.hidden = st.state !== "queued";
    if (st.state === "queued") b.textContent = st.queue_position ? t("chat.queued_at", { n: st.queue_position }) : t("chat.queued");
  }

  // --- pushes ----------------------------------------------------------------------

  async pollPushes() {
    const c = this.chat.client;
    if (!c || this.polling || document.visibilityState !== "visible" || this.pushState) return;
    this.polling = true;
    try {
      const out = await c.api("GET", `/api/client/pushes?after=${this.pushAfter}`, undefined, { credentials: "same-origin" });
      const pushes = out.pushes || [];
      if (pushes.length) {
        this.pushAfter = pushes[pushes.length - 1].id;
        this.pushes.add(pushes);
        $(".sim-push-url").textContent = pushes[pushes.length - 1].url;
        this.markPushed();
      }
    } catch (err) {
      if (err instanceof APIError && (err.status === 401 || err.status === 403)) this.askSignin(err);
    } finally {
      this.polling = false;
    }
  }

  /** Marks the customer's bubbles whose push the log shows. */
  markPushed() {
    for (const row of document.querySelectorAll(".mp-chat .log-row.is-user[data-seq]")) {
      const m = this.chat.conv.bySeq.get(+row.dataset.seq);
      const result = m && this.pushes.last(m.id);
      if (!result || row.dataset.push === result) continue;
      row.dataset.push = result;
      let mark = row.querySelector(".sim-pushed");
      if (!mark) {
        mark = document.createElement("button");
        mark.type = "button";
        mark.className = "sim-pushed";
        mark.addEventListener("click", (e) => { e.stopPropagation(); this.pushes.highlight(m.id); });
        row.querySelector(".kefu-msg").append(mark);
      }
      mark.textContent = t(`sim.pushed_${result}`);
    }
  }

  // Pushes are shown to agents of the app only (see docs/widget.md).
  setupSignin() {
    const form = $(".sim-signin");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const res = await fetch("/api/desk/login", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
        body: JSON.stringify({ login: form.login.value, password: form.password.value }),
      });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        $(".sim-signin-error").textContent = res.status === 401 ? t("sim.wrong_login") : t("common.error_generic");
        return;
      }
      form.hidden = true;
      form.password.value = "";
      this.pushState = "";
      this.pushes.setEmpty("sim.pushes_empty");
      this.pollPushes();
    });
  }

  askSignin(err) {
    this.pushState = err.status === 401 ? "signin" : "forbidden";
    const form = $(".sim-signin");
    form.hidden = false;
    $(".sim-signin-why").textContent = t(err.status === 401 ? "sim.signin_why" : "sim.forbidden");
    // The log cannot know whether anything was pushed: say why it is empty.
    this.pushes.setEmpty(err.status === 401 ? "sim.pushes_signin" : "sim.pushes_forbidden");
    $(".sim-signin-error").textContent = "";
  }
}

function queryString(q) {
  const s = new URLSearchParams(q || {}).toString();
  return s ? `?${s}` : "";
}

async function main() {
  await loadI18n(["common", "chat", "sim"]);
  translate();
  let id = new URLSearchParams(location.search).get("appid");
  if (!id) {
    const res = await fetch("/api/client/demo-app");
    if (res.ok) id = (await res.json()).appid;
  }
  const res = id ? await fetch(`/api/client/apps/${encodeURIComponent(id)}`) : null;
  if (!res || !res.ok) {
    document.title = t("sim.title");
    $(".sim-status").textContent = t("sim.no_app");
    $(".sim-app-form [name=appid]").value = id || "";
    $(".sim-app-form").addEventListener("submit", (e) => {
      e.preventDefault();
      location.search = `?appid=${encodeURIComponent(e.target.appid.value.trim())}`;
    });
    return;
  }
  new Simulator(await res.json()).run();
}

main();
