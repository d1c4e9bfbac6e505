// demo.js: the sample shop page (/demo). It finds the app (?appid=, else
// the demo mini program Kefu created on first start), gives the inline
// button its appid, and adds the widget with one script tag, as a shop
// would. Mini program taps in the chat arrive as "contact" events; this page
// lists them (and, outside a mini program, stops the navigation).

async function appID() {
  const q = new URLSearchParams(location.search).get("appid");
  if (q) return q;
  const res = await fetch("/api/client/demo-app");
  if (!res.ok) return "";
  return (await res.json()).appid;
}

function showToast(text) {
  const toast = document.querySelector(".toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => { toast.hidden = true; }, 4000);
}

async function main() {
  const id = await appID();
  if (!id) {
    showToast("No app: open /demo?appid=wx…");
    return;
  }
  document.getElementById("inline-cs").setAttribute("appid", id);
  const s = document.createElement("script");
  s.src = "/widget.js";
  s.dataset.appid = id;
  s.dataset.template = "suspend";
  s.dataset.sessionFrom = "demo-page";
  s.dataset.showMessageCard = "";
  document.body.append(s);

  document.addEventListener("contact", (e) => {
    // In a browser this page has no such pages to go to; inside a mini
    // program's web-view, the widget navigates the mini program.
    if (window.__wxjs_environment !== "miniprogram") e.preventDefault();
    const { path, query } = e.detail;
    const li = document.createElement("li");
    li.textContent = `path ${path} · query ${JSON.stringify(query)}`;
    document.getElementById("contact-log").append(li);
    showToast(`contact → ${path} ${JSON.stringify(query)}`);
  });
}

main();
