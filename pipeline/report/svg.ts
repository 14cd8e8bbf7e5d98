// A small, dependency-free SVG line chart: the rollout's canary weight (left axis, %) and
// error rate (right axis, %) over time, with the analysis threshold as a dashed line.
import type { RolloutSample } from './types.js';

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  maxErrorRate?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function rolloutChartSvg(samples: RolloutSample[], opts: ChartOptions = {}): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 280;
  const m = { top: 36, right: 56, bottom: 40, left: 52 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const pts = [...samples].sort((a, b) => a.t - b.t);
  const t0 = pts[0]?.t ?? 0;
  const t1 = Math.max(pts[pts.length - 1]?.t ?? 1, t0 + 1);
  const errMax = niceMax(Math.max(...pts.map((p) => p.errorRate * 100), (opts.maxErrorRate ?? 0) * 100, 0.1));
  const x = (t: number) => m.left + ((t - t0) / (t1 - t0)) * w;
  const yW = (wt: number) => m.top + h - (Math.min(100, Math.max(0, wt)) / 100) * h;
  const yE = (e: number) => m.top + h - (Math.min(errMax, Math.max(0, e * 100)) / errMax) * h;
  // Weight changes in steps: draw it as a step line so a jump looks like one.
  const weightPath = pts.map((p, i) => (i === 0 ? `M${fmt(x(p.t))},${fmt(yW(p.weight))}` : `H${fmt(x(p.t))}V${fmt(yW(p.weight))}`)).join('');
  const errorPath = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(x(p.t))},${fmt(yE(p.errorRate))}`).join('');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (opts.title) parts.push(`<text x="${m.left}" y="20" font-size="13" font-weight="bold" fill="#24292f">${esc(opts.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = m.top + (h * i) / 4;
    parts.push(
      `<line x1="${m.left}" y1="${fmt(y)}" x2="${m.left + w}" y2="${fmt(y)}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${m.left - 6}" y="${fmt(y + 4)}" text-anchor="end" fill="#0969da">${fmt(100 - 25 * i)}%</text>`,
      `<text x="${m.left + w + 6}" y="${fmt(y + 4)}" fill="#cf222e">${fmt(errMax - (errMax * i) / 4)}%</text>`,
    );
  }
  const span = (t1 - t0) / 1000;
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    parts.push(`<text x="${fmt(x(t))}" y="${m.top + h + 16}" text-anchor="middle" fill="#57606a">+${fmt((span * i) / 4)}s</text>`);
  }
  if (opts.maxErrorRate !== undefined) {
    const y = fmt(yE(opts.maxErrorRate));
    parts.push(`<line class="threshold" x1="${m.left}" y1="${y}" x2="${m.left + w}" y2="${y}" stroke="#cf222e" stroke-dasharray="4 3" stroke-width="1"/>`);
  }
  if (pts.length) {
    parts.push(
      `<path class="weight" d="${weightPath}" fill="none" stroke="#0969da" stroke-width="2"/>`,
      `<path class="error-rate" d="${errorPath}" fill="none" stroke="#cf222e" stroke-width="2"/>`,
    );
  } else {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#57606a">no samples</text>`);
  }
  parts.push(
    `<text x="${m.left}" y="${height - 8}" fill="#0969da">■ canary weight (left)</text>`,
    `<text x="${m.left + 160}" y="${height - 8}" fill="#cf222e">■ error rate (right)${opts.maxErrorRate !== undefined ? ', dashed: threshold' : ''}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
