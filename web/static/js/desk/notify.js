// notify.js tells the agent about new sessions and messages: a short tone
// made with WebAudio (no sound file) and a browser notification when the
// page is not in front. Permission is asked on a click, as browsers require.

import { t } from "../i18n.js";

let audio = null;

/** Prepares sound (browsers allow audio only after a user gesture). */
export function unlockSound() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
  } catch { audio = null; }
}

/** Plays two short soft notes. */
export function chime() {
  if (!audio || audio.state !== "running") return;
  const now = audio.currentTime;
  for (const [i, f] of [880, 1320].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = f;
    gain.gain.setValueAtTime(0.0001, now + i * 0.12);
    gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.12);
    osc.stop(now + i * 0.12 + 0.3);
  }
}

/** Whether browser notifications may be shown. */
export function notificationsAllowed() { return "Notification" in window && Notification.permission === "granted"; }

/** Whether the browser could still ask for permission. */
export function canAsk() { return "Notification" in window && Notification.permission === "default"; }

/** Asks for permission (call from a click handler). */
export async function askPermission() {
  unlockSound();
  if (!canAsk()) return notificationsAllowed();
  return (await Notification.requestPermission()) === "granted";
}

/** Chimes and, when the page is hidden, shows a notification. */
export function notify(title, body, onClick) {
  chime();
  if (!notificationsAllowed() || !document.hidden) return;
  try {
    const n = new Notification(title, { body: String(body || "").slice(0, 140), tag: "kefu-desk", renotify: true });
    n.onclick = () => { window.focus(); if (onClick) onClick(); n.close(); };
  } catch { /* some browsers allow notifications only from a service worker */ }
}

export function notifyNewSession(name, onClick) { notify(t("desk.notify_new_session"), name, onClick); }
export function notifyNewMessage(name, text, onClick) { notify(t("desk.notify_new_message", { name }), text, onClick); }
