// render.js turns a Kefu message (from the client API or the desk API) into
// DOM, the same way in the workspace, the widget and the simulator.
//
// Untrusted text reaches the DOM only as text nodes or as attributes that
// were validated here; rich HTML, already sanitised by the server, is parsed
// inert and rebuilt element by element from an allowlist (defence in depth,
// and no inline style attributes: CSP forbids them, so allowed styles are set
// through the CSSOM).
//
//   import { renderMessage } from "/static/js/render.js";
//   list.append(renderMessage(msg, { viewer: "user", t, onNavigate, onPreview }));
//
// ctx:
//   viewer      "user" (customer's side) or "agent" (workspace): whose messages sit on the right
//   t           the i18n function
//   onNavigate  (path, query) => void — a mini program page was tapped (card, link, product path)
//   onPreview   (src) => void — an image was tapped
//   agentName   (id) => string — optional, to label agent messages in the workspace

import RICH from "/static/js/rich-policy.js";

// The mini program page path pattern is the server's (rich-policy.js).
const PATH = new RegExp(RICH.miniprogram_path);
const MEDIA = /^\/media\/[A-Za-z0-9_-]+$/;
const HEX = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** Reports whether s is an absolute http(s) URL. */
export function isWebURL(s) {
  if (typeof s !== "string" || s.length > 2048) return false;
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch { return false; }
}

/** Reports whether s is a mini program page path (the components' "a URL that is a path"). */
export function isMiniProgramPath(s) {
  return typeof s === "string" && s.length <= 2048 && !s.includes("..") && PATH.test(s);
}

/** Splits "/pages/item?id=1&x=2" into ["/pages/item", {id: "1", x: "2"}]. */
export function splitPath(p) {
  const i = p.indexOf("?");
  const path = i < 0 ? p : p.slice(0, i);
  const query = {};
  if (i >= 0) for (const [k, v] of new URLSearchParams(p.slice(i + 1))) query[k] = v;
  return [path, query];
}

/** The URL of a stored media file. */
export function mediaURL(id) { return `/media/${encodeURIComponent(id)}`; }

/**
 * Returns src if it is an image source that may be shown — a Kefu media file
 * (/media/{id}) or an http(s) URL — and "" otherwise. Every image Kefu's pages
 * show from data goes through this one check.
 */
export function safeImageSrc(src) {
  if (typeof src !== "string") return "";
  return MEDIA.test(src) || isWebURL(src) ? src : "";
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/** Renders a message; returns null for messages nobody should see (events). */
export function renderMessage(m, ctx) {
  const t = ctx.t || ((k) => k);
  if (m.kind === "event") return null;
  if (m.kind === "notice") return renderNotice(m, t);
  const mine = ctx.viewer === "user" ? m.sender === "user" : m.sender !== "user";
  const wrap = el("div", "kefu-msg");
  wrap.dataset.seq = m.seq;
  wrap.dataset.kind = m.kind;
  wrap.dataset.sender = m.sender;
  if (mine) wrap.classList.add("is-mine");
  if (m.internal) wrap.classList.add("is-note");
  const who = senderLabel(m, ctx, t);
  if (who) wrap.append(el("div", "kefu-msg-meta", who));
  wrap.append(renderBody(m, ctx, t));
  return wrap;
}

function senderLabel(m, ctx, t) {
  if (m.internal) return t("common.internal_note");
  if (m.sender === "developer") return t("common.sender_developer");
  if (m.sender === "agent") {
    const name = m.agent_name || (ctx.agentName && ctx.agentName(m.agent_id)) || "";
    return name ? t("common.sender_agent_named", { name }) : t("common.sender_agent");
  }
  return "";
}

function renderBody(m, ctx, t) {
  switch (m.kind) {
    case "text": return renderText(m.text && m.text.content, ctx, m.sender);
    case "image": return renderImage(m.image, ctx, t);
    case "miniprogrampage": return renderMiniProgramCard(m.miniprogrampage, ctx, t);
    case "link": return renderLink(m.link, t);
    case "rich": return renderRich(m.rich && m.rich.html, ctx);
    case "product": return renderProduct(m.product, ctx, t);
  }
  return el("div", "kefu-bubble", t("common.unsupported_message"));
}

// --- text -----------------------------------------------------------------

// WeChat text is literal apart from links: <a href="…" data-miniprogram-appid="…"
// data-miniprogram-path="…">…</a>. Every "<" that does not open or close an
// anchor is escaped first, so the parser sees only anchors and text; it then
// deals with quoting, entities and attribute order as a browser does.
const NOT_ANCHOR = /<(?!\/?a[\s>])/gi;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}，。；：！？）]/g;

/** Parses WeChat text into an inert body of text nodes and <a> elements. */
function parseWeChatText(s) {
  const safe = String(s || "").replace(NOT_ANCHOR, "&lt;");
  return new DOMParser().parseFromString(`<body>${safe}</body>`, "text/html").body;
}

/**
 * Renders the text of a message. What a customer wrote is shown exactly as
 * written (no links of any kind); agents' and developers' text is WeChat text:
 * its mini program anchors and web links become clickable.
 */
export function renderText(content, ctx, sender) {
  const bubble = el("div", "kefu-bubble");
  if (sender === "user") bubble.textContent = String(content || "");
  else appendText(bubble, content, ctx);
  return bubble;
}

function appendText(parent, s, ctx) {
  for (const node of parseWeChatText(s).childNodes) {
    if (node.nodeType === Node.TEXT_NODE) appendLinkified(parent, node.data);
    else if (node.nodeType === Node.ELEMENT_NODE) parent.append(anchor(node, ctx));
  }
}

/** Rebuilds a parsed anchor: a mini program link, a web link, or its text. */
function anchor(a, ctx) {
  const label = a.textContent;
  const path = a.getAttribute("data-miniprogram-path");
  const href = a.getAttribute("href");
  if (path && isMiniProgramPath(path)) return miniProgramLink(label, path, ctx);
  if (isWebURL(href)) return webLink(label, href);
  return document.createTextNode(label);
}

function appendLinkified(parent, s) {
  let last = 0;
  for (const m of s.matchAll(URL_IN_TEXT)) {
    parent.append(document.createTextNode(s.slice(last, m.index)));
    parent.append(isWebURL(m[0]) ? webLink(m[0], m[0]) : document.createTextNode(m[0]));
    last = m.index + m[0].length;
  }
  parent.append(document.createTextNode(s.slice(last)));
}

function webLink(label, href) {
  const a = el("a", "", label);
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  return a;
}

function miniProgramLink(label, path, ctx) {
  const a = el("a", "kefu-mp-link", label);
  a.href = "#";
  a.dataset.miniprogramPath = path;
  a.addEventListener("click", (e) => {
    e.preventDefault();
    navigate(path, ctx);
  });
  return a;
}

function navigate(path, ctx) {
  if (!ctx.onNavigate) return;
  const [p, q] = splitPath(path);
  ctx.onNavigate(p, q, path);
}

// --- image and cards ------------------------------------------------------

function renderImage(img, ctx, t) {
  const bubble = el("div", "kefu-bubble is-image");
  const src = img && img.media_id ? mediaURL(img.media_id) : safeImageSrc(img && img.pic_url);
  if (!src) { bubble.textContent = t("common.image_missing"); return bubble; }
  const i = el("img", "kefu-image");
  i.src = src;
  i.alt = t("common.image_alt");
  i.loading = "lazy";
  i.tabIndex = 0;
  const open = () => ctx.onPreview && ctx.onPreview(src);
  i.addEventListener("click", open);
  i.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); } });
  bubble.append(i);
  return bubble;
}

function renderMiniProgramCard(p, ctx, t) {
  p = p || {};
  const card = el("button", "kefu-card is-miniprogram");
  card.type = "button";
  card.append(el("div", "kefu-card-title", p.title || ""));
  const src = p.thumb_media_id ? mediaURL(p.thumb_media_id) : safeImageSrc(p.thumb_url);
  const thumb = el("img", "kefu-card-thumb");
  thumb.alt = "";
  if (src) thumb.src = src;
  card.append(thumb, el("div", "kefu-card-foot", t("common.mini_program")));
  if (isMiniProgramPath(p.pagepath)) {
    card.setAttribute("aria-label", t("common.open_page", { title: p.title || "" }));
    card.addEventListener("click", () => navigate(p.pagepath, ctx));
  } else {
    card.classList.add("is-static");
  }
  return card;
}

function renderLink(l, t) {
  l = l || {};
  const ok = isWebURL(l.url);
  const card = el(ok ? "a" : "div", "kefu-card is-link");
  if (ok) { card.href = l.url; card.target = "_blank"; card.rel = "noopener noreferrer nofollow"; }
  card.append(el("div", "kefu-card-title", l.title || l.url || ""));
  if (l.description) card.append(el("div", "kefu-card-desc", l.description));
  const src = safeImageSrc(l.thumb_url);
  if (src) { const i = el("img", "kefu-card-thumb"); i.src = src; i.alt = ""; card.append(i); }
  card.append(el("div", "kefu-card-foot", t("common.link")));
  return card;
}

// --- product ---------------------------------------------------------------

function renderProduct(p, ctx, t) {
  p = p || {};
  const clickable = isWebURL(p.url) || isMiniProgramPath(p.url);
  const card = el(clickable ? "button" : "div", "kefu-card kefu-product");
  if (clickable) card.type = "button";
  else card.classList.add("is-static");
  const src = safeImageSrc(p.imgUrl);
  if (src) { const i = el("img", "kefu-product-img"); i.src = src; i.alt = ""; card.append(i); }
  const body = el("div", "kefu-product-body");
  body.append(el("div", "kefu-product-name", p.name || ""));
  const params = el("div", "kefu-product-params");
  let folded = 0;
  for (const q of Array.isArray(p.params) ? p.params.slice(0, 20) : []) {
    if (!q || typeof q.text !== "string") continue;
    const span = el("span", "kefu-product-param", q.text);
    if (typeof q.color === "string" && HEX.test(q.color)) span.style.color = q.color;
    if (Number.isInteger(q.size) && q.size >= 8 && q.size <= 48) span.style.fontSize = `${q.size}px`;
    if (q.break) span.classList.add("is-break");
    if (q.fold) { span.classList.add("is-folded"); folded++; }
    params.append(span);
  }
  body.append(params);
  if (folded) {
    const more = el("span", "kefu-product-more", t("common.show_more"));
    more.setAttribute("role", "button");
    more.tabIndex = 0;
    const toggle = (e) => {
      e.stopPropagation();
      e.preventDefault();
      const open = card.classList.toggle("is-unfolded");
      more.textContent = t(open ? "common.show_less" : "common.show_more");
    };
    more.addEventListener("click", toggle);
    more.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") toggle(e); });
    body.append(more);
  }
  card.append(body);
  if (clickable) {
    card.addEventListener("click", () => {
      if (isMiniProgramPath(p.url)) navigate(p.url, ctx);
      else window.open(p.url, "_blank", "noopener,noreferrer");
    });
  }
  return card;
}

// --- rich ------------------------------------------------------------------

// The same allowlist the server sanitised with (package richtext, served as
// rich-policy.js): formatting elements, plus links and images.
const RICH_TAGS = new Set([...RICH.elements, "a", "img"]);
const RICH_STYLES = Object.fromEntries(Object.entries(RICH.styles).map(([prop, re]) => [prop, new RegExp(re)]));

/** Renders server-sanitised rich HTML by rebuilding it from an allowlist. */
export function renderRich(html, ctx) {
  const bubble = el("div", "kefu-bubble kefu-rich");
  const doc = new DOMParser().parseFromString(`<body>${String(html || "")}</body>`, "text/html");
  copyAllowed(doc.body, bubble, ctx, 0);
  return bubble;
}

function copyAllowed(from, to, ctx, depth) {
  if (depth > 20) return;
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) { to.append(document.createTextNode(node.data)); continue; }
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = node.tagName.toLowerCase();
    if (!RICH_TAGS.has(tag)) { copyAllowed(node, to, ctx, depth + 1); continue; }
    const out = document.createElement(tag);
    const style = node.getAttribute("style");
    if (style) {
      for (const decl of style.split(";")) {
        const i = decl.indexOf(":");
        if (i < 0) continue;
        const prop = decl.slice(0, i).trim().toLowerCase(), val = decl.slice(i + 1).trim();
        // Values are compared in lower case, as the server's sanitiser does.
        if (Object.hasOwn(RICH_STYLES, prop) && RICH_STYLES[prop].test(val.toLowerCase())) out.style.setProperty(prop, val);
      }
    }
    if (tag === "a" && isWebURL(node.getAttribute("href"))) {
      out.href = node.getAttribute("href");
      out.target = "_blank";
      out.rel = "noopener noreferrer nofollow";
    }
    if (tag === "img") {
      const src = safeImageSrc(node.getAttribute("src"));
      if (!src) continue;
      out.src = src;
      out.alt = node.getAttribute("alt") || "";
      out.loading = "lazy";
    }
    const path = node.getAttribute("data-miniprogram-path");
    if (path && isMiniProgramPath(path)) {
      out.dataset.miniprogramPath = path;
      out.classList.add("kefu-mp-link");
      out.tabIndex = 0;
      out.setAttribute("role", "link");
      const go = (e) => { e.preventDefault(); e.stopPropagation(); navigate(path, ctx); };
      out.addEventListener("click", go);
      out.addEventListener("keydown", (e) => { if (e.key === "Enter") go(e); });
    }
    copyAllowed(node, out, ctx, depth + 1);
    to.append(out);
  }
}

// --- notices ----------------------------------------------------------------

function renderNotice(m, t) {
  const n = m.notice || {};
  const params = n.params || {};
  let text = t(`common.notice_${n.code}`, params);
  if (text === `common.notice_${n.code}`) text = n.text || "";
  const div = el("div", "kefu-notice", text);
  div.dataset.seq = m.seq;
  div.dataset.kind = "notice";
  div.dataset.code = n.code || "";
  div.setAttribute("role", "status");
  if (n.code === "developer_unavailable") div.classList.add("is-warning");
  return div;
}

// --- delivery to WeChat ------------------------------------------------------

/**
 * Renders how a message to a connected customer fared on its way to WeChat
 * (message.upstream: pending, sent or failed with WeChat's errcode and a
 * sentence), for the workspace. The sentence is the server's, shown as text.
 */
export function renderUpstream(u, t) {
  const state = ["pending", "sent", "failed"].includes(u && u.state) ? u.state : "pending";
  if (state === "failed") {
    const div = el("div", "upstream-failed");
    div.dataset.upstream = state;
    div.setAttribute("role", "alert");
    div.append(el("strong", "", t("desk.upstream_failed")), document.createTextNode(" "));
    if (Number.isInteger(u.errcode) && u.errcode !== 0) div.append(el("code", "", t("desk.upstream_errcode", { code: u.errcode })), document.createTextNode(" "));
    if (u.error) div.append(document.createTextNode(u.error));
    return div;
  }
  const retrying = state === "pending" && !!u.error;
  const tag = el("span", `tag upstream-${state}`, t(retrying ? "desk.upstream_retrying" : `desk.upstream_${state}`));
  tag.dataset.upstream = state;
  if (retrying) tag.title = u.error;
  return tag;
}

/** A one-line preview of a message, for lists. */
export function previewText(m, t) {
  if (!m) return "";
  switch (m.kind) {
    case "text": {
      const content = (m.text && m.text.content) || "";
      return m.sender === "user" ? content : parseWeChatText(content).textContent;
    }
    case "image": return t("common.preview_image");
    case "miniprogrampage": return t("common.preview_card", { title: (m.miniprogrampage && m.miniprogrampage.title) || "" });
    case "link": return t("common.preview_link", { title: (m.link && m.link.title) || "" });
    case "rich": {
      const doc = new DOMParser().parseFromString(`<body>${(m.rich && m.rich.html) || ""}</body>`, "text/html");
      return doc.body.textContent || "";
    }
    case "product": return t("common.preview_product", { name: (m.product && m.product.name) || "" });
    case "notice": {
      const n = m.notice || {};
      const s = t(`common.notice_${n.code}`, n.params || {});
      return s === `common.notice_${n.code}` ? (n.text || "") : s;
    }
  }
  return "";
}
