// sdk-demo.js: the SDK channel demo (/sdk-demo) — an "app" that uses the
// client API directly, without the widget: fetch for HTTP and a bare
// WebSocket, as an app's own code would (docs/client-api.md). Every frame
// in and out is listed, so the page doubles as a protocol explorer.

import { loadI18n, t, translate, formatTime } from "/static/js/i18n.js";
import { renderMessage } from "/static/js/render.js";
import { newClientID } from "/static/js/socket.js";
import { loadJSON, saveJSON } from "/static/widget/identity.js";
import "/static/widget/image-viewer.js";

const $ = (s) => document.querySelector(s);

const state = { token: "", ws: null, lastSeq: 0, seen: new Set(), wanted: false, retry: 0 };

/** Lists a frame or request on the right. */
function logFrame(dir, what, data) {
  const li = document.createElement("li");
  li.dataset.dir = dir;
  const head = document.createElement("div");
  head.className = "sdk-frame-head";
  const arrow = document.createElement("b");
  arrow.textContent = dir === "out" ? "→" : dir === "in" ? "←" : "•";
  const label = document.createElement("span");
  label.textContent = what;
  const time = document.createElement("time");
  time.textContent = formatTime(new Date().toISOString(), { hour: "numeric", minute: "2-digit", second: "2-digit" });
  head.append(arrow, label, time);
  li.append(head);
  if (data !== undefined) {
    const pre = document.createElement("pre");
    pre.textContent = typeof data === "string" ? data : JSON.stringify(data, null, 2);
    li.append(pre);
  }
  const list = $(".sdk-frames");
  list.append(li);
  while (list.children.length > 200) list.firstElementChild.remove();
  li.scrollIntoView({ block: "nearest" });
}

/** Calls the client API over HTTP, listing the request and the answer. */
async function api(method, path, body) {
  const headers = {};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  logFrame("out", `${method} ${path}`, body instanceof FormData ? "(multipart: media)" : body);
  const res = await fetch(path, { method, headers, body: payload });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  logFrame("in", `HTTP ${res.status}`, data === null ? undefined : data);
  if (!res.ok) throw new Error((data && data.error && data.error.message) || `HTTP ${res.status}`);
  return data;
}

function send(frame) {
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return false;
  logFrame("out", `ws ${frame.type}`, frame);
  state.ws.send(JSON.stringify(frame));
  return true;
}

/** Opens the WebSocket, resuming after the last sequence number seen. */
function connect() {
  state.wanted = true;
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${proto}//${location.host}/api/client/ws?token=${encodeURIComponent(state.token)}&after=${state.lastSeq}`;
  logFrame("note", `ws connect after=${state.lastSeq}`);
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = () => { state.retry = 0; };
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type !== "pong") logFrame("in", `ws ${f.type}`, f);
    onFrame(f);
  };
  ws.onclose = (e) => {
    logFrame("note", `ws closed (${e.code})`);
    if (state.ws === ws && state.wanted) setTimeout(connect, Math.min(10000, 500 * 2 ** state.retry++));
  };
}

function onFrame(f) {
  switch (f.type) {
    case "message":
      if (f.message.seq <= state.lastSeq) return; // already shown
      state.lastSeq = f.message.seq;
      show(f.message);
      break;
    case "sent":
      show(f.message);
      break;
    case "synced":
      state.lastSeq = Math.max(state.lastSeq, f.last_seq);
      break;
    case "state":
      $(".sdk-state").textContent = t("sim.sdk_state", { state: f.state.state, n: f.state.queue_position || "—", agent: (f.state.agent && f.state.agent.name) || "—" });
      break;
    case "typing":
      $(".sdk-typing").textContent = f.typing.on ? t("chat.typing") : "";
      break;
  }
}

function show(m) {
  if (state.seen.has(m.seq)) return;
  state.seen.add(m.seq);
  const node = renderMessage(m, {
    viewer: "user", t,
    onNavigate: (path, query) => logFrame("note", `navigate ${path} ${JSON.stringify(query)}`),
    onPreview: (src) => $("kefu-image-viewer").open(src, t),
  });
  if (!node) return;
  $(".sdk-log").append(node);
  node.scrollIntoView({ block: "nearest" });
  if (state.ws) send({ type: "read", delivered: state.lastSeq, read: state.lastSeq });
}

async function main() {
  await loadI18n(["common", "chat", "sim"]);
  translate();
  document.title = t("sim.sdk_title");
  const form = $(".sdk-identify");
  const saved = loadJSON("kefu.sdkdemo") || {};
  form.visitor.value = saved.visitor || `app-device-${newClientID()}`;
  form.name.value = saved.name || "App user";
  form.appid.value = new URLSearchParams(location.search).get("appid") || saved.appid || "";
  if (!form.appid.value) {
    const res = await fetch("/api/client/demo-app");
    if (res.ok) form.appid.value = (await res.json()).appid;
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    saveJSON("kefu.sdkdemo", { appid: form.appid.value, visitor: form.visitor.value, name: form.name.value });
    state.wanted = false;
    if (state.ws) state.ws.close();
    state.token = "";
    state.lastSeq = 0;
    state.seen.clear();
    $(".sdk-log").replaceChildren();
    try {
      const s = await api("POST", "/api/client/sessions", { appid: form.appid.value.trim(), channel: "sdk",
        sdk_version: form.sdk.value, visitor_id: form.visitor.value, name: form.name.value });
      state.token = s.token;
      connect();
    } catch (err) {
      $(".sdk-state").textContent = err.message;
    }
  });
  $(".sdk-enter").addEventListener("submit", (e) => {
    e.preventDefault();
    if (state.token) api("POST", "/api/client/enter", { session_from: e.target.from.value, card: null }).catch(() => {});
  });
  const composer = $(".sdk-send");
  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = composer.text.value.trim();
    if (!text) return;
    if (send({ type: "send", message: { client_msg_id: newClientID(), kind: "text", text: { content: text } } })) composer.text.value = "";
  });
  let typing = 0;
  composer.text.addEventListener("input", () => {
    if (Date.now() - typing > 5000) { typing = Date.now(); send({ type: "typing", on: true }); }
  });
  $(".sdk-image").addEventListener("click", () => composer.image.click());
  composer.image.addEventListener("change", async () => {
    const file = composer.image.files[0];
    composer.image.value = "";
    if (!file || !state.token) return;
    const fd = new FormData();
    fd.append("media", file, file.name);
    try {
      const up = await api("POST", "/api/client/media", fd);
      send({ type: "send", message: { client_msg_id: newClientID(), kind: "image", image: { media_id: up.media_id } } });
    } catch { /* listed */ }
  });
}

main();
