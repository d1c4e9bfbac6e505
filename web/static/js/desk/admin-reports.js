// <kefu-admin-reports> shows the reports over a date range, by day or hour,
// for an app, team, agent or channel: the range's figures, charts per
// bucket (report-chart.js) and a CSV download of the same rows. Figures
// are defined in docs/reports.md.

import { t } from "../i18n.js";
import { api, query } from "./api.js";
import { h, fill } from "./dom.js";
import { field, directory, toolbar } from "./admin-form.js";
import { barChart } from "./report-chart.js";

const COLORS = { a: "#07a35a", b: "#2563eb", c: "#c62828", d: "#a15c00", e: "#6b7580" };

function day(d) { return d.toISOString().slice(0, 10); }

/** Seconds as "1 h 05 min", "4 min 30 s" or "12 s". */
function duration(ms) {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return t("reports.h_min", { h: Math.floor(s / 3600), m: String(Math.floor((s % 3600) / 60)).padStart(2, "0") });
  if (s >= 60) return t("reports.min_s", { m: Math.floor(s / 60), s: String(s % 60).padStart(2, "0") });
  return t("reports.s", { s });
}

class KefuAdminReports extends HTMLElement {
  connectedCallback() {
    const today = new Date();
    const weekAgo = new Date(today.getTime() - 6 * 86400e3);
    this.from = h("input", { type: "date", value: day(weekAgo), required: true });
    this.to = h("input", { type: "date", value: day(today), required: true });
    this.by = h("select", {}, h("option", { value: "day" }, t("reports.by_day")), h("option", { value: "hour" }, t("reports.by_hour")));
    this.app = h("select", {}, h("option", { value: "" }, t("reports.all_apps")));
    this.team = h("select", {}, h("option", { value: "" }, t("reports.all_teams")));
    this.agent = h("select", {}, h("option", { value: "" }, t("reports.all_agents")));
    this.channel = h("select", {}, h("option", { value: "" }, t("reports.all_channels")),
      ["miniprogram", "web", "sdk"].map((c) => h("option", { value: c }, t(`reports.channel_${c}`))));
    this.csv = h("a", { class: "btn", id: "report-csv", download: "" }, t("reports.csv"));
    const f = (id, label, input) => h("div", { class: "field" }, field(id, label, input));
    const form = h("form", { class: "report-filters", id: "report-form", onsubmit: (e) => { e.preventDefault(); this.load(); } },
      f("report-from", t("reports.from"), this.from), f("report-to", t("reports.to"), this.to),
      f("report-by", t("reports.by"), this.by), f("report-app", t("reports.app"), this.app),
      f("report-team", t("reports.team"), this.team), f("report-agent", t("reports.agent"), this.agent),
      f("report-channel", t("reports.channel"), this.channel),
      h("div", { class: "report-actions" }, h("button", { class: "btn btn-primary", type: "submit", id: "report-show" }, t("reports.show")), this.csv));
    this.out = h("div", { class: "report-out", "aria-live": "polite" });
    this.append(toolbar(t("admin.nav_reports")), form, this.out);
    this.fillChoices();
    this.load();
  }

  async fillChoices() {
    try {
      const d = await directory();
      this.app.append(...d.apps.map((a) => h("option", { value: a.appid }, a.name || a.appid)));
      this.team.append(...d.teams.map((x) => h("option", { value: x.id }, x.name)));
      this.agent.append(...d.agents.map((a) => h("option", { value: a.id }, a.name)));
    } catch { /* the filters stay at "all" */ }
  }

  params() {
    return { from: this.from.value, to: this.to.value, by: this.by.value, tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      appid: this.app.value, team: this.team.value, agent: this.agent.value, channel: this.channel.value };
  }

  async load() {
    const p = this.params();
    this.csv.setAttribute("href", `/api/admin/reports${query({ ...p, format: "csv" })}`);
    let rep;
    try { rep = await api("GET", `/api/admin/reports${query(p)}`); } catch (err) { fill(this.out, h("p", { class: "empty is-error", role: "alert" }, err.message)); return; }
    this.render(rep);
  }

  render(rep) {
    const T = rep.total;
    const hourly = rep.by === "hour";
    const labels = rep.rows.map((r) => {
      const d = new Date(r.start);
      return hourly ? d.toLocaleString([], { month: "numeric", day: "numeric", hour: "2-digit" }) : d.toLocaleDateString([], { month: "numeric", day: "numeric" });
    });
    const col = (f) => rep.rows.map(f);
    const card = (id, label, value, sub) => h("div", { class: "report-card", id: `kpi-${id}` },
      h("div", { class: "report-card-label" }, label), h("div", { class: "report-card-value" }, value), sub ? h("div", { class: "report-card-sub" }, sub) : null);
    const pct = (d) => d.count ? `${duration(d.p50_ms)} · ${duration(d.p90_ms)}` : "—";
    const chart = (id, title, series, format) => h("figure", { class: "report-chart", id: `chart-${id}` },
      h("figcaption", {}, title), barChart(labels, series, { title, format }));
    const minutes = (ms) => Math.round(ms / 6000) / 10;
    fill(this.out,
      h("div", { class: "report-cards" },
        card("started", t("reports.started"), T.sessions_started, t("reports.transferred_n", { n: T.sessions_transferred })),
        card("served", t("reports.served"), T.sessions_served, t("reports.abandoned_n", { n: T.sessions_abandoned })),
        card("wait", t("reports.queue_wait"), pct(T.queue_wait), t("reports.p50_p90")),
        card("first", t("reports.first_response"), pct(T.first_response), t("reports.p50_p90")),
        card("resolution", t("reports.resolution"), pct(T.resolution), t("reports.p50_p90")),
        card("messages", t("reports.messages"), `${T.messages_in} / ${T.messages_out}`, t("reports.in_out")),
        card("csat", t("reports.csat"), T.csat.count ? T.csat.average.toFixed(2) : "—", t("reports.ratings_n", { n: T.csat.count })),
        card("online", t("reports.online"), duration(T.online_seconds * 1000))),
      h("div", { class: "report-charts" },
        chart("sessions", t("reports.chart_sessions"), [
          { name: t("reports.started"), color: COLORS.b, values: col((r) => r.sessions_started) },
          { name: t("reports.served"), color: COLORS.a, values: col((r) => r.sessions_served) },
          { name: t("reports.abandoned"), color: COLORS.c, values: col((r) => r.sessions_abandoned) },
          { name: t("reports.transferred"), color: COLORS.d, values: col((r) => r.sessions_transferred) }]),
        chart("wait", t("reports.chart_wait"), [
          { name: "p50", color: COLORS.a, values: col((r) => minutes(r.queue_wait.p50_ms)) },
          { name: "p90", color: COLORS.d, values: col((r) => minutes(r.queue_wait.p90_ms)) }], (n) => t("reports.n_min", { n })),
        chart("first", t("reports.chart_first"), [
          { name: "p50", color: COLORS.a, values: col((r) => minutes(r.first_response.p50_ms)) },
          { name: "p90", color: COLORS.d, values: col((r) => minutes(r.first_response.p90_ms)) }], (n) => t("reports.n_min", { n })),
        chart("messages", t("reports.chart_messages"), [
          { name: t("reports.in"), color: COLORS.b, values: col((r) => r.messages_in) },
          { name: t("reports.out"), color: COLORS.a, values: col((r) => r.messages_out) }]),
        h("figure", { class: "report-chart", id: "chart-csat" }, h("figcaption", {}, t("reports.chart_csat")),
          barChart(["1", "2", "3", "4", "5"], [{ name: t("reports.ratings"), color: COLORS.a, values: T.csat.scores }], { title: t("reports.chart_csat") })),
        chart("online", t("reports.chart_online"), [
          { name: t("reports.online"), color: COLORS.a, values: col((r) => Math.round(r.online_seconds / 360) / 10) }], (n) => t("reports.n_h", { n }))));
  }
}

customElements.define("kefu-admin-reports", KefuAdminReports);
