// names.js names customers the same way everywhere in the workspace: their
// name when they have one, else "Visitor 3f2a" — four hex digits derived
// from their openid, so the same visitor keeps the same name in the lists,
// the conversation, the side pane and notifications.

import { t } from "../i18n.js";

/** The name shown for a customer (a conversation view's customer). */
export function customerName(cu) {
  if (!cu) return "";
  if (cu.name) return cu.name;
  return t("desk.visitor_name", { code: visitorCode(cu.openid || String(cu.id || "")) });
}

/** Four hex digits from an id (FNV-1a), stable across pages and sessions. */
export function visitorCode(id) {
  let x = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    x ^= id.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return (x >>> 16).toString(16).padStart(4, "0");
}

/**
 * The preview line of a conversation's last message, saying who wrote it:
 * "You: …", "Ana: …", "Note: …" for an internal note (agents' eyes only),
 * and the customer's own words bare, under their name.
 */
export function previewLine(c, previewText, me) {
  const m = c && c.last_message;
  const text = previewText(m, t);
  if (!m || !text || m.kind === "notice") return text;
  if (m.internal) return t("desk.preview_note", { text });
  if (m.sender === "agent") {
    if (me && m.agent_id === me.id) return t("desk.preview_you", { text });
    const name = m.agent_id && m.agent_id === c.agent_id && c.agent_name ? c.agent_name : t("common.sender_agent");
    return t("desk.preview_by", { name, text });
  }
  if (m.sender === "developer") return t("desk.preview_by", { name: t("common.sender_developer"), text });
  return text;
}
