// icons.js: the few line icons the chat and the simulator draw (24×24,
// stroked with currentColor), built as DOM so no markup is parsed.

const PATHS = {
  smile: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z", "M8.5 14.5s1.2 1.8 3.5 1.8 3.5-1.8 3.5-1.8", "M9 9.5h.01", "M15 9.5h.01"],
  image: ["M4 5h16v14H4z", "m4 16 5-5 4 4 2.5-2.5L20 16", "M15.5 8.5h.01"],
  send: ["M4 12 20 4l-5 16-3-7-8-1Z", "m12 13 3.5-3.5"],
  close: ["M6 6l12 12", "M18 6 6 18"],
  back: ["M15 5l-7 7 7 7"],
  more: ["M5 12h.01", "M12 12h.01", "M19 12h.01"],
  plus: ["M12 8v8", "M8 12h8", "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z"],
  voice: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z", "M10 9.5a3.5 3.5 0 0 1 0 5", "M13 7.5a6.5 6.5 0 0 1 0 9"],
  chat: ["M4 5h16v11H9l-5 4z", "M8 9.5h8", "M8 12.5h5"],
};

/** Returns an <svg> icon by name, hidden from screen readers. */
export function icon(name, cls = "kefu-icon") {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of PATHS[name] || []) {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    svg.append(p);
  }
  return svg;
}

/** Returns a <button type="button"> holding an icon (label it with aria-label). */
export function iconButton(cls, name) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.append(icon(name));
  return b;
}
