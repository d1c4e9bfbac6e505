// The demo product picker: an assistant component served by Kefu and
// registered for the demo app on first start, so the feature can be seen
// at once. It uses only the public helper (kefu-component.js), like any
// component a business would write.
import { KefuComponent } from "/static/components/kefu-component.js";
import { loadI18n, t, translate } from "/static/js/i18n.js";

const PRODUCTS = [
  { id: 1, name: "Kefu Phone X 64GB", price: "¥6999.00", note: "Free shipping over ¥99", img: "phone", path: "/pages/product/detail?id=1" },
  { id: 2, name: "Noise-cancelling Headphones", price: "¥1299.00", note: "2-year warranty", img: "headphones", path: "/pages/product/detail?id=2" },
  { id: 3, name: "Smart Watch S", price: "¥1999.00", note: "Additional ¥30 off over ¥1999", img: "watch", path: "/pages/product/detail?id=3" },
  { id: 4, name: "Instant Camera", price: "¥599.00", note: "Film pack included", img: "camera", path: "/pages/product/detail?id=4" },
];

const kefu = new KefuComponent();
const $ = (id) => document.getElementById(id);

function imageURL(p) { return `${location.origin}/static/components/img/${p.img}.svg`; }

function status(text, ok) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("is-error", !ok);
  s.classList.toggle("is-ok", ok);
}

async function send(type, content) {
  try {
    await kefu.send(type, content);
    status(t("picker.sent"), true);
  } catch (e) {
    status(t("picker.refused", { reason: e.message }), false);
  }
}

function render(filter = "") {
  const list = $("products");
  list.replaceChildren();
  const tpl = $("product-row");
  for (const p of PRODUCTS) {
    if (filter && !p.name.toLowerCase().includes(filter.toLowerCase())) continue;
    const row = tpl.content.firstElementChild.cloneNode(true);
    translate(row);
    row.querySelector(".pp-img").src = imageURL(p);
    row.querySelector(".pp-name").textContent = p.name;
    row.querySelector(".pp-price").textContent = p.price;
    row.querySelector(".pp-send-product").addEventListener("click", () => send("product", {
      name: p.name, url: p.path, imgUrl: imageURL(p),
      params: [{ text: p.price, color: "#FF0000", size: 16 }, { text: p.note, break: true }, { text: `SKU ${1000 + p.id}`, fold: true }],
    }));
    row.querySelector(".pp-send-mp").addEventListener("click", () => send("miniprogrampage", {
      title: p.name, pagepath: p.path.replace(/^\//, ""), pic_url: imageURL(p),
    }));
    row.querySelector(".pp-send-rich").addEventListener("click", () => send("rich",
      `<p><b>${escapeHTML(p.name)}</b> — <span style="color:#c62828">${escapeHTML(p.price)}</span></p>` +
      `<p><a data-miniprogram-path="${p.path}">${escapeHTML(t("picker.view"))}</a></p>`));
    row.querySelector(".pp-insert").addEventListener("click", () => kefu.insertText(`${p.name} ${p.price}`));
    list.append(row);
  }
}

function escapeHTML(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]);
}

await loadI18n(["picker"]);
translate();
render();
$("search").addEventListener("input", (e) => render(e.target.value));
let conversation = 0;
kefu.onContext((ctx) => {
  if (ctx.conversation.id !== conversation) status("", true); // another customer: the last answer was about someone else
  conversation = ctx.conversation.id;
  const c = ctx.customer;
  $("context").textContent = t("picker.context", { who: c.name || `${c.openid.slice(0, 10)}…`, channel: t(`picker.channel_${c.channel}`) });
});
