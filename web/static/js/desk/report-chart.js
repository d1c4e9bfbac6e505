// report-chart.js draws the reports' charts as inline SVG, no library:
// barChart(labels, series) groups one bar per series at each label, with a
// y axis of round steps and a legend; every value also has a <title> so a
// pointer or a screen reader can read it exactly. Text goes in through
// textContent only.

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs, ...kids) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const k of kids) e.append(k);
  return e;
}

function text(attrs, value) {
  const e = s("text", attrs);
  e.textContent = value;
  return e;
}

/** A step of 1, 2 or 5 × 10^n that splits max into about four. */
function niceStep(max) {
  if (max <= 0) return 1;
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw);
}

/**
 * barChart returns an <svg> with grouped bars.
 * labels: the x labels; series: [{name, color, values: number[]}];
 * opts: {title, format: (n) => string for axis and titles, height}.
 */
export function barChart(labels, series, opts = {}) {
  const fmt = opts.format || ((n) => String(n));
  const W = 640, H = opts.height || 220, left = 48, right = 8, top = 12, bottom = 34;
  const max = Math.max(0, ...series.flatMap((x) => x.values));
  const step = niceStep(max);
  const ceil = Math.max(step, Math.ceil(max / step) * step);
  const plotW = W - left - right, plotH = H - top - bottom;
  const y = (v) => top + plotH - (v / ceil) * plotH;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": opts.title || "" });
  for (let v = 0; v <= ceil + 1e-9; v += step) {
    svg.append(s("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "chart-grid" }),
      text({ x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "chart-axis" }, fmt(v)));
  }
  const slot = plotW / Math.max(labels.length, 1);
  const bw = Math.max(1, Math.min(28, (slot * 0.8) / Math.max(series.length, 1)));
  const every = Math.ceil(labels.length / 12); // at most a dozen x labels
  labels.forEach((label, i) => {
    const x0 = left + i * slot + (slot - bw * series.length) / 2;
    series.forEach((ser, j) => {
      const v = ser.values[i] || 0;
      const r = s("rect", { x: x0 + j * bw, y: y(v), width: Math.max(bw - 1, 1), height: Math.max(top + plotH - y(v), 0), fill: ser.color, class: "chart-bar" });
      const tip = s("title");
      tip.textContent = `${label} · ${ser.name}: ${fmt(v)}`;
      r.append(tip);
      svg.append(r);
    });
    if (i % every === 0) svg.append(text({ x: left + i * slot + slot / 2, y: H - bottom + 16, "text-anchor": "middle", class: "chart-axis" }, label));
  });
  let lx = left;
  for (const ser of series) {
    svg.append(s("rect", { x: lx, y: H - 12, width: 10, height: 10, fill: ser.color }),
      text({ x: lx + 14, y: H - 3, class: "chart-legend" }, ser.name));
    lx += 24 + ser.name.length * 8;
  }
  return svg;
}
