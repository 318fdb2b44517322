// Small line charts drawn as SVG by hand (no library, nothing from a CDN): one chart per figure, one line
// per series, gaps where a value is missing (null), the newest value and the top of the scale written.

const SVG = "http://www.w3.org/2000/svg";
const W = 320;
const H = 130;
const PAD = { left: 40, right: 8, top: 8, bottom: 20 };

export const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];

function node(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

/**
 * Draws (or redraws) a chart inside `box`: { title, t: [ms], lines: [{ name, values: [number|null] }],
 * format: value → text }. The chart element keeps its place, so the page does not jump on refresh.
 */
export function lineChart(box, { title, t, lines, format }) {
  box.replaceChildren();
  box.className = "chart";
  const h = document.createElement("h3");
  h.textContent = title;
  box.append(h);
  const values = lines.flatMap((l) => l.values).filter((v) => typeof v === "number" && Number.isFinite(v));
  const max = niceMax(Math.max(0, ...values));
  const t0 = t[0] ?? 0;
  const t1 = t.at(-1) ?? t0 + 1;
  const span = Math.max(1, t1 - t0);
  const x = (ms) => PAD.left + ((ms - t0) / span) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  svg.append(node("line", { x1: PAD.left, y1: y(0), x2: W - PAD.right, y2: y(0), stroke: "#b8c2cc" }));
  svg.append(node("line", { x1: PAD.left, y1: y(max), x2: W - PAD.right, y2: y(max), stroke: "#eef2f6" }));
  svg.append(node("text", { x: PAD.left - 4, y: y(max) + 4, "text-anchor": "end", "font-size": 9, fill: "#5b6b7c" }, format(max)));
  svg.append(node("text", { x: PAD.left - 4, y: y(0) + 3, "text-anchor": "end", "font-size": 9, fill: "#5b6b7c" }, "0"));
  if (t.length > 0) {
    svg.append(node("text", { x: PAD.left, y: H - 5, "font-size": 9, fill: "#5b6b7c" }, clock(t0)));
    svg.append(node("text", { x: W - PAD.right, y: H - 5, "text-anchor": "end", "font-size": 9, fill: "#5b6b7c" }, clock(t1)));
  }
  lines.forEach((line, i) => {
    const color = line.color ?? COLORS[i % COLORS.length];
    let d = "";
    let pen = false;
    line.values.forEach((v, j) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(t[j]).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
    });
    if (d) svg.append(node("path", { d, fill: "none", stroke: color, "stroke-width": 1.6, "stroke-linejoin": "round" }));
  });
  box.append(svg);
  const legend = document.createElement("div");
  legend.className = "legend";
  lines.forEach((line, i) => {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = line.color ?? COLORS[i % COLORS.length];
    const last = [...line.values].reverse().find((v) => typeof v === "number");
    item.append(swatch, `${line.name}: ${last === undefined ? "–" : format(last)}`);
    legend.append(item);
  });
  box.append(legend);
}
