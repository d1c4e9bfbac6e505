/*
 * Kefu chat widget loader — the customer-service chat-session component for
 * web pages. Documented in docs/widget.md.
 *
 *   <script src="https://kefu.example/widget.js" data-appid="wx…" data-template="suspend"
 *           data-session-from="home" data-show-message-card></script>
 * or
 *   <script src="https://kefu.example/widget.js" async></script>
 *   <kefu-customer-service appid="wx…" template="inline" show-message-card>…</kefu-customer-service>
 *
 * Every <kefu-customer-service> is a button (in a shadow root, styled through
 * the documented parts and custom properties). The chat itself runs in an
 * iframe on Kefu's origin, one per app on the page, shared by its buttons,
 * so the page's CSS and scripts can neither break nor read it. The loader
 * and the iframe talk only through postMessage, each sending to the other's
 * exact origin and hearing only the other's window from that origin.
 *
 * A classic script, not a module: document.currentScript names Kefu's origin.
 */
(function () {
  "use strict";

  let script = document.currentScript;
  let KEFU = new URL(script && script.src ? script.src : "/widget.js", location.href).origin;
  let TAG = "kefu-customer-service";
  let WINDOW_TAG = "kefu-chat-window";
  // Custom properties that the chat window takes from the button that opened it.
  let VARS = ["--kefu-cs-right", "--kefu-cs-bottom", "--kefu-cs-size", "--kefu-cs-window-width", "--kefu-cs-window-height",
    "--kefu-cs-window-radius", "--kefu-cs-z-index"];
  let PATH = /^\/?[A-Za-z0-9_\-./]+$/;
  let TOP_LAYER = typeof HTMLElement.prototype.showPopover === "function";

  // Top-layer popovers sit above every z-index and ignore the page's
  // transforms and overflow; !important in a shadow root beats the page's.
  let BUTTON_CSS = [
    ":host { all: initial !important; display: inline-block !important; visibility: visible !important; vertical-align: middle; }",
    ":host([hidden]) { display: none !important; }",
    ".root { all: initial; box-sizing: border-box; display: none; font: 600 15px/1.2 system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', sans-serif; }",
    ".root.is-ready { display: inline-block; }",
    ".root.is-suspend { position: fixed; inset: auto calc(var(--kefu-cs-right, 24px) + env(safe-area-inset-right, 0px)) calc(var(--kefu-cs-bottom, 24px) + env(safe-area-inset-bottom, 0px)) auto;",
    "  margin: 0; padding: 0; border: 0; width: auto; height: auto; overflow: visible; background: transparent; color: inherit; z-index: var(--kefu-cs-z-index, 2147483000); }",
    ".root.is-suspend:not(.is-ready) { display: none; }",
    ".button { all: unset; box-sizing: border-box; position: relative; display: inline-flex; align-items: center; justify-content: center; gap: 8px;",
    "  width: var(--kefu-cs-size, 56px); height: var(--kefu-cs-size, 56px); border-radius: var(--kefu-cs-radius, 50%); cursor: pointer;",
    "  background: var(--kefu-cs-color, #05803f); color: var(--kefu-cs-icon-color, #fff); box-shadow: var(--kefu-cs-shadow, 0 6px 20px rgba(0,0,0,.24));",
    "  transition: transform .15s ease, box-shadow .15s ease; -webkit-tap-highlight-color: transparent; }",
    ".button:hover { transform: translateY(-1px) scale(1.04); }",
    ".button:focus-visible { outline: 3px solid var(--kefu-cs-focus, #1a73e8); outline-offset: 3px; }",
    ".is-inline .button { width: auto; height: auto; min-height: 40px; padding: 8px 16px 8px 12px; border-radius: var(--kefu-cs-radius, 999px); font-size: 14px; }",
    ".icon { display: block; width: calc(var(--kefu-cs-size, 56px) * .5); height: calc(var(--kefu-cs-size, 56px) * .5); fill: none; stroke: currentColor; stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; }",
    ".is-inline .icon { width: 22px; height: 22px; }",
    ".icon-img { display: none; width: calc(var(--kefu-cs-size, 56px) * .56); height: calc(var(--kefu-cs-size, 56px) * .56); background: var(--kefu-cs-icon, none) center / contain no-repeat; }",
    ".has-icon-let .icon-img { display: block; } .has-icon-let .icon-chat { display: none; }",
    ".icon-close { display: none; } .is-suspend.is-open .icon-close { display: block; }",
    ".is-suspend.is-open .icon-chat, .is-suspend.is-open .icon-img, .is-suspend.is-open ::slotted(*) { display: none !important; }",
    ".label { display: none; } .is-inline .label { display: inline; }",
    ".badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 6px; box-sizing: border-box; border-radius: 10px;",
    "  background: var(--kefu-cs-badge-color, #d93025); color: var(--kefu-cs-badge-text, #fff); border: 2px solid var(--kefu-cs-badge-border, #fff);",
    "  font: 700 11px/16px system-ui, sans-serif; text-align: center; }",
    ".badge[hidden] { display: none; }",
    "@media (prefers-reduced-motion: reduce) { .button { transition: none; } .button:hover { transform: none; } }",
  ].join("\n");

  let WINDOW_CSS = [
    ":host { all: initial !important; display: contents !important; visibility: visible !important; }",
    ".window { all: initial; box-sizing: border-box; position: fixed; display: block; margin: 0; padding: 0; border: 0; overflow: hidden;",
    "  inset: auto calc(var(--kefu-cs-right, 24px) + env(safe-area-inset-right, 0px)) calc(var(--kefu-cs-bottom, 24px) + var(--kefu-cs-size, 56px) + 16px + env(safe-area-inset-bottom, 0px)) auto;",
    "  width: min(var(--kefu-cs-window-width, 380px), calc(100vw - 32px)); height: min(var(--kefu-cs-window-height, 640px), calc(100dvh - 120px));",
    "  border-radius: var(--kefu-cs-window-radius, 16px); background: #f5f6f7; box-shadow: 0 16px 48px rgba(0,0,0,.28), 0 2px 8px rgba(0,0,0,.12);",
    "  z-index: var(--kefu-cs-z-index, 2147483000); }",
    ".window.for-inline { bottom: calc(var(--kefu-cs-bottom, 24px) + env(safe-area-inset-bottom, 0px)); }",
    ".window:not(.is-open) { display: none; }",
    ".window.is-open { animation: kefu-open .18s ease-out; }",
    "@keyframes kefu-open { from { opacity: 0; transform: translateY(12px) scale(.98); } }",
    ".frame { all: initial; display: block; width: 100%; height: 100%; border: 0; background: transparent; color-scheme: normal; }",
    "@media (max-width: 520px) { .window, .window.for-inline { inset: 0; width: 100%; height: 100%; border-radius: 0; } }",
    "@media (prefers-reduced-motion: reduce) { .window.is-open { animation: none; } }",
  ].join("\n");

  let sheets = {};
  function styles(root, name, css) {
    // Constructed stylesheets are CSSOM: allowed under any style-src policy.
    if (!sheets[name]) {
      sheets[name] = new CSSStyleSheet();
      sheets[name].replaceSync(css);
    }
    root.adoptedStyleSheets = [sheets[name]];
  }

  function svg(paths, cls) {
    let NS = "http://www.w3.org/2000/svg";
    let s = document.createElementNS(NS, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("class", cls);
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      let p = document.createElementNS(NS, "path");
      p.setAttribute("d", d);
      s.appendChild(p);
    });
    return s;
  }

  function inMiniProgram() {
    return window.__wxjs_environment === "miniprogram" || /miniProgram/i.test(navigator.userAgent || "");
  }

  function langOf(el) {
    let l = el.getAttribute("lang") || document.documentElement.lang || navigator.language || "en";
    return /^zh/i.test(l) ? "zh-CN" : "en";
  }

  function absolute(u) {
    if (!u) return "";
    try {
      let x = new URL(u, location.href);
      return x.protocol === "http:" || x.protocol === "https:" ? x.href : "";
    } catch (e) { return ""; }
  }

  // A representative image of the page: its og:image, else the largest picture shown.
  function pageImage() {
    let sel = ["meta[property='og:image']", "meta[name='og:image']", "meta[name='twitter:image']", "link[rel='image_src']"];
    for (let i = 0; i < sel.length; i++) {
      let m = document.querySelector(sel[i]);
      let v = m && absolute(m.getAttribute("content") || m.getAttribute("href"));
      if (v) return v;
    }
    let best = "", area = 0;
    Array.prototype.forEach.call(document.images, function (img) {
      let a = img.naturalWidth * img.naturalHeight;
      let src = absolute(img.currentSrc || img.src);
      if (src && img.naturalWidth >= 100 && img.naturalHeight >= 100 && a > area) { best = src; area = a; }
    });
    return best;
  }

  // --- the chat window: one iframe per app, shared by its buttons -----------

  let windows = new Map();

  class ChatWindow {
    constructor(appid, lang) {
      this.appid = appid;
      this.buttons = [];
      this.ready = false;
      this.opener = null;
      this.open = false;
      this.unread = 0;
      this.host = document.createElement(WINDOW_TAG);
      let root = this.host.attachShadow({ mode: "open" });
      styles(root, "window", WINDOW_CSS);
      this.win = document.createElement("div");
      this.win.className = "window";
      this.win.setAttribute("part", "window");
      this.win.setAttribute("role", "dialog");
      this.win.setAttribute("aria-modal", "false");
      if (TOP_LAYER) this.win.setAttribute("popover", "manual");
      this.frame = document.createElement("iframe");
      this.frame.className = "frame";
      this.frame.setAttribute("part", "frame");
      this.frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox");
      this.frame.setAttribute("allow", "clipboard-write");
      this.frame.setAttribute("referrerpolicy", "origin");
      this.frame.src = KEFU + "/widget/chat?appid=" + encodeURIComponent(appid) + "&host=" + encodeURIComponent(location.origin) +
        "&lang=" + encodeURIComponent(lang);
      this.win.appendChild(this.frame);
      root.appendChild(this.win);
      document.body.appendChild(this.host);
      let self = this;
      this.timer = setTimeout(function () {
        if (!self.ready) console.warn("Kefu widget: the chat for app " + appid + " did not load. Is " + location.origin + " one of the app's widget origins?");
      }, 15000);
    }

    post(msg) {
      if (this.frame.contentWindow) this.frame.contentWindow.postMessage(msg, KEFU);
    }

    add(el) {
      if (this.buttons.indexOf(el) < 0) this.buttons.push(el);
      if (this.ready) { el._ready(this.labels); el._unread(this.unread); this.sendInit(); }
    }

    remove(el) {
      this.buttons = this.buttons.filter(function (b) { return b !== el; });
      if (this.opener === el) this.opener = null;
      if (!this.buttons.length) {
        clearTimeout(this.timer);
        this.host.remove();
        windows.delete(this.appid);
      }
    }

    // The first button that carries a signed identity says who the customer is.
    sendInit() {
      let who = null, name = "";
      this.buttons.forEach(function (b) {
        if (!who && b.getAttribute("user-id")) {
          who = { user_id: b.getAttribute("user-id"), timestamp: parseInt(b.getAttribute("user-ts"), 10), signature: b.getAttribute("user-sig") || "" };
        }
        if (!name) name = b.getAttribute("user-name") || "";
      });
      this.post({ type: "kefu:init", identity: who, name: name, webview: inMiniProgram() });
    }

    onMessage(d) {
      if (!d || typeof d !== "object" || typeof d.type !== "string") return;
      let self = this;
      switch (d.type) {
        case "kefu:ready":
          this.ready = true;
          clearTimeout(this.timer);
          let l = d.labels || {};
          this.labels = { open: String(l.open || ""), close: String(l.close || ""), unread: String(l.unread || ""), title: String(l.title || "") };
          this.frame.title = this.labels.title;
          this.win.setAttribute("aria-label", this.labels.title);
          this.sendInit();
          this.buttons.forEach(function (b) { b._ready(self.labels); });
          if (this.open && this.opener) { // the chat reloaded while open: enter again
            this.open = false;
            this.show(this.opener);
          }
          break;
        case "kefu:unread":
          let n = Math.max(0, Math.min(999, parseInt(d.count, 10) || 0));
          if (n === this.unread) break;
          this.unread = n;
          this.buttons.forEach(function (b) { b._unread(n); });
          (this.opener || this.buttons[0]).dispatchEvent(new CustomEvent("unread", { detail: { count: n }, bubbles: true, composed: true }));
          break;
        case "kefu:contact":
          let q = {};
          if (d.query && typeof d.query === "object") {
            Object.keys(d.query).forEach(function (k) { if (typeof d.query[k] === "string") q[k] = d.query[k]; });
          }
          if (typeof d.path === "string" && PATH.test(d.path) && d.path.indexOf("..") < 0 && d.path.indexOf("//") !== 0) {
            contact(this.opener || this.buttons[0], d.path, q);
          }
          break;
        case "kefu:close":
          this.hide();
          break;
        case "kefu:error":
          let detail = { code: String(d.code || "error"), message: String(d.message || "") };
          this.buttons.forEach(function (b) { b.dispatchEvent(new CustomEvent("error", { detail: detail, bubbles: true, composed: true })); });
          break;
      }
    }

    toggle(el) {
      if (this.open && this.opener === el) this.hide();
      else this.show(el);
    }

    show(el) {
      let first = !this.open || this.opener !== el;
      this.opener = el;
      // The window follows the opener's position and size settings.
      let cs = getComputedStyle(el);
      let self = this;
      VARS.forEach(function (v) {
        let val = cs.getPropertyValue(v).trim();
        if (val) self.host.style.setProperty(v, val);
        else self.host.style.removeProperty(v);
      });
      // Opened from an inline button, the window takes the floating button's
      // place — unless the page has one, which it then sits above.
      this.win.classList.toggle("for-inline", !this.buttons.some(function (b) { return b._template() === "suspend"; }));
      this.win.classList.add("is-open");
      if (TOP_LAYER && !this.win.matches(":popover-open")) this.win.showPopover();
      this.open = true;
      this.buttons.forEach(function (b) { b._expanded(b === el); });
      if (first) {
        this.post({ type: "kefu:open", sessionFrom: el.sessionFrom, showMessageCard: el.showMessageCard, card: el._card() });
        el.dispatchEvent(new CustomEvent("open", { bubbles: true, composed: true }));
      }
      this.frame.focus();
    }

    hide() {
      if (!this.open) return;
      this.open = false;
      this.win.classList.remove("is-open");
      if (TOP_LAYER && this.win.matches(":popover-open")) this.win.hidePopover();
      this.post({ type: "kefu:close" });
      this.buttons.forEach(function (b) { b._expanded(false); });
      let el = this.opener;
      if (el) {
        el._focus();
        el.dispatchEvent(new CustomEvent("close", { bubbles: true, composed: true }));
      }
    }
  }

  addEventListener("message", function (e) {
    if (e.origin !== KEFU) return;
    windows.forEach(function (w) { if (e.source && e.source === w.frame.contentWindow) w.onMessage(e.data); });
  });

  // A tap on a mini program page in the chat: the contact event, then — unless
  // the page prevents it — the mini program navigates (inside a web-view) or
  // the browser goes to that path of this site.
  function contact(el, path, query) {
    let ev = new CustomEvent("contact", { detail: { path: path, query: query }, bubbles: true, composed: true, cancelable: true });
    if (!el.dispatchEvent(ev)) return;
    let qs = new URLSearchParams(query).toString();
    let url = path + (qs ? "?" + qs : "");
    let mp = window.wx && window.wx.miniProgram;
    if (inMiniProgram() && mp && typeof mp.navigateTo === "function") {
      mp.navigateTo({ url: url });
      return;
    }
    let to = new URL(url, location.href);
    if (to.origin === location.origin) location.assign(to.href);
  }

  // --- <kefu-customer-service> ---------------------------------------------

  let ATTRS = ["appid", "template", "show-message-card", "send-message-title", "send-message-path", "send-message-img",
    "session-from", "user-id", "user-ts", "user-sig", "user-name", "lang"];

  class KefuCustomerService extends HTMLElement {
    static get observedAttributes() { return ATTRS; }

    constructor() {
      super();
      let self = this;
      let root = this.attachShadow({ mode: "open" });
      styles(root, "button", BUTTON_CSS);
      this._root = document.createElement("div");
      this._root.className = "root";
      this._root.setAttribute("part", "root");
      this._button = document.createElement("button");
      this._button.type = "button";
      this._button.className = "button";
      this._button.setAttribute("part", "button");
      this._button.setAttribute("aria-haspopup", "dialog");
      this._button.setAttribute("aria-expanded", "false");
      // The default icon, which a child with slot="icon" replaces.
      let slot = document.createElement("slot");
      slot.name = "icon";
      let chat = svg(["M4 5.5A1.5 1.5 0 0 1 5.5 4h13A1.5 1.5 0 0 1 20 5.5v9a1.5 1.5 0 0 1-1.5 1.5H10l-4.5 4v-4h0A1.5 1.5 0 0 1 4 14.5z",
        "M8.5 9h7", "M8.5 12h4.5"], "icon icon-chat");
      chat.setAttribute("part", "icon");
      let img = document.createElement("span");
      img.className = "icon-img";
      img.setAttribute("part", "icon");
      slot.appendChild(chat);
      slot.appendChild(img);
      let close = svg(["M6 9l6 6 6-6"], "icon icon-close");
      close.setAttribute("part", "icon close-icon");
      this._label = document.createElement("span");
      this._label.className = "label";
      this._label.setAttribute("part", "label");
      this._badge = document.createElement("span");
      this._badge.className = "badge";
      this._badge.setAttribute("part", "badge");
      this._badge.setAttribute("aria-hidden", "true");
      this._badge.hidden = true;
      this._button.append(slot, close, this._label, this._badge);
      this._root.appendChild(this._button);
      root.appendChild(this._root);
      this._button.addEventListener("click", function () { if (self._win) self._win.toggle(self); });
    }

    connectedCallback() {
      this.classList.add("wd-customer-service");
      this.classList.toggle("wd-mp-customer-service", inMiniProgram());
      this._apply();
      this._attach();
    }

    disconnectedCallback() {
      if (this._win) this._win.remove(this);
      this._win = null;
    }

    attributeChangedCallback(name) {
      if (!this.isConnected) return;
      if (name === "template") this._apply();
      else if (name === "appid") { this.disconnectedCallback(); this._attach(); }
      else if (/^user-/.test(name) && this._win && this._win.ready) this._win.sendInit();
    }

    /** Opens the chat, as a tap on the button does. */
    open() { if (this._win) this._win.show(this); }
    /** Closes the chat. */
    close() { if (this._win && this._win.opener === this) this._win.hide(); }

    _template() { return this.template === "suspend" ? "suspend" : "inline"; }

    _apply() {
      let suspend = this._template() === "suspend";
      this._root.classList.toggle("is-suspend", suspend);
      this._root.classList.toggle("is-inline", !suspend);
      if (TOP_LAYER) {
        if (suspend) this._root.setAttribute("popover", "manual");
        else { if (this._root.matches(":popover-open")) this._root.hidePopover(); this._root.removeAttribute("popover"); }
      }
      this._float();
    }

    _attach() {
      let appid = this.appid;
      if (!appid) { console.warn("Kefu widget: <kefu-customer-service> needs an appid"); return; }
      let self = this;
      let go = function () {
        if (!self.isConnected || self._win) return;
        let w = windows.get(appid);
        if (!w) { w = new ChatWindow(appid, langOf(self)); windows.set(appid, w); }
        self._win = w;
        w.add(self);
      };
      if (document.body) go();
      else document.addEventListener("DOMContentLoaded", go, { once: true });
    }

    _ready(labels) {
      this._labels = labels;
      this._root.classList.add("is-ready");
      this._label.textContent = labels.open;
      this._button.setAttribute("aria-label", labels.open);
      this._button.title = labels.open;
      this._root.classList.toggle("has-icon-var", getComputedStyle(this).getPropertyValue("--kefu-cs-icon").trim() !== "");
      this._float();
    }

    _float() {
      if (!TOP_LAYER || !this.isConnected || this._template() !== "suspend" || !this._root.classList.contains("is-ready")) return;
      if (!this._root.matches(":popover-open")) this._root.showPopover();
    }

    _unread(n) {
      this._badge.hidden = n === 0;
      this._badge.textContent = n > 99 ? "99+" : String(n);
      let l = this._labels || {};
      let label = n && l.unread ? l.open + " (" + l.unread.replace("{n}", String(n)) + ")" : l.open || "";
      this._button.setAttribute("aria-label", label);
    }

    _expanded(open) {
      this._button.setAttribute("aria-expanded", String(open));
      this._root.classList.toggle("is-open", open);
      if (this._labels) this._button.title = open ? this._labels.close : this._labels.open;
    }

    _focus() { this._button.focus(); }

    _card() {
      return {
        title: this.sendMessageTitle || document.title || location.hostname,
        path: this.sendMessagePath || location.pathname + location.search,
        img: absolute(this.sendMessageImg) || pageImage(),
      };
    }
  }

  const P = KefuCustomerService.prototype;

  // WeChat's button properties, reflected to attributes.
  [["template", "template"], ["sendMessageTitle", "send-message-title"], ["sendMessagePath", "send-message-path"],
    ["sendMessageImg", "send-message-img"], ["sessionFrom", "session-from"], ["appid", "appid"]].forEach(function (p) {
    Object.defineProperty(P, p[0], {
      get: function () { return this.getAttribute(p[1]) || (p[0] === "template" ? "suspend" : ""); },
      set: function (v) { this.setAttribute(p[1], String(v)); },
    });
  });
  Object.defineProperty(P, "showMessageCard", {
    get: function () { let v = this.getAttribute("show-message-card"); return v !== null && v !== "false"; },
    set: function (v) { if (v) this.setAttribute("show-message-card", ""); else this.removeAttribute("show-message-card"); },
  });

  if (!customElements.get(TAG)) customElements.define(TAG, KefuCustomerService);

  // <script data-appid=…>: a floating button, from the script tag's data-* attributes.
  if (script && script.dataset && script.dataset.appid) {
    let el = document.createElement(TAG);
    Object.keys(script.dataset).forEach(function (k) {
      let name = k.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
      if (ATTRS.indexOf(name) >= 0) el.setAttribute(name, script.dataset[k]);
    });
    let mount = function () { document.body.appendChild(el); };
    if (document.body) mount();
    else document.addEventListener("DOMContentLoaded", mount, { once: true });
  }
})();
