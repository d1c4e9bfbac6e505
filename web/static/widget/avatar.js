// avatar.js: a round avatar with a person's initials — the first letters
// of the first two words of a Latin name ("Alice Wong" → "AW"), or the
// first character of a Chinese one ("王小明" → "王") — on a colour derived
// from the name, dark enough for white text (WCAG AA).

/** Returns the initials of a name (at most two letters). */
export function initials(name) {
  const s = String(name || "").trim();
  if (!s) return "?";
  const words = s.split(/\s+/).filter(Boolean);
  const first = Array.from(words[0])[0] || "?";
  if (/[\u3400-\u9fff\uac00-\ud7af\u3040-\u30ff]/.test(first)) return first;
  const second = words.length > 1 ? Array.from(words[words.length - 1])[0] : "";
  return (first + (second || "")).toUpperCase();
}

/** Returns a hue (0–359) that is the same for the same name. */
export function hueOf(name) {
  let h = 0;
  for (const ch of String(name || "")) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

/** Creates an avatar element; kind "agent" or "app" picks the shape's style. */
export function avatar(name, kind = "agent") {
  const a = document.createElement("span");
  a.className = `kefu-avatar is-${kind}`;
  a.textContent = initials(name);
  a.setAttribute("aria-hidden", "true");
  a.style.setProperty("--avatar-hue", String(hueOf(name)));
  return a;
}
