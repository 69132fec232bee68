'use strict';
// Self-contained SVG bar charts (no scripts, no external fonts or files): grouped bars with
// min–max whiskers, labelled axes, a legend, linear or log10 scale.

const PALETTE = ['#2f6db5', '#e07b24', '#3a9a4f', '#b8403a', '#7c5cb8', '#8c6d31', '#d45f9e', '#5f6b7a'];

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || a === 0) return String(+v.toFixed(0));
  if (a >= 1) return String(+v.toFixed(1));
  return String(+v.toPrecision(2));
}

function niceTicks(max) {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v <= max + step * 0.001; v += step) ticks.push(+v.toPrecision(12));
  if (ticks[ticks.length - 1] < max) ticks.push(+(ticks[ticks.length - 1] + step).toPrecision(12));
  return ticks;
}

function logTicks(min, max) {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.ceil(Math.log10(Math.max(max, 1e-9)));
  const ticks = [];
  for (let e = lo; e <= Math.max(hi, lo + 1); e++) ticks.push(10 ** e);
  return ticks;
}

/**
 * groups: [{ label, bars: [{ series, value, min?, max? }] }]; series: names in legend order;
 * style(series) -> { color, opacity } overrides the palette (e.g. shades of one target).
 * Each group holds only its own bars, in legend order. Returns an <svg> string with
 * role="img", a <title>, axis labels and one <rect class="bar"> per finite value.
 */
function barChart({ title, xLabel, yLabel, groups, series, log = false, id, style, refLine, valueSuffix, barWidth = 16 }) {
  const barW = barWidth;
  const gap = 22;
  const styleOf = (name) => {
    const i = series.indexOf(name);
    return { color: PALETTE[i % PALETTE.length], opacity: 1, ...(style ? style(name) : {}) };
  };
  for (const g of groups) g.bars = [...g.bars].sort((a, b) => series.indexOf(a.series) - series.indexOf(b.series));
  const groupX = [];
  let acc = 0;
  for (const g of groups) {
    groupX.push(acc);
    acc += Math.max(1, g.bars.length) * barW + gap;
  }
  const maxLabel = Math.max(0, ...groups.map((g) => String(g.label).length));
  // Rotated group labels reach left of their group: leave room for the first one.
  const left = Math.max(72, Math.round(Math.min(maxLabel, 48) * 4.4 - 8));
  const right = 16;
  const top = 46 + Math.ceil(series.length / 4) * 16;
  const plotH = 220;
  const bottom = 40 + Math.min(maxLabel, 48) * 3.6;
  const width = Math.max(420, left + right + acc, Math.round(title.length * 8.2) + left + right);
  const height = top + plotH + bottom;
  const values = groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.max]).filter((v) => Number.isFinite(v) && (!log || v > 0)));
  if (Number.isFinite(refLine)) values.push(refLine);
  const vmax = values.length ? Math.max(...values) : 1;
  const vmin = values.length ? Math.min(...values) : 1;
  const ticks = log ? logTicks(vmin, vmax) : niceTicks(vmax);
  const top0 = ticks[ticks.length - 1];
  const bot0 = log ? ticks[0] : 0;
  const y = (v) => {
    if (log) return top + plotH - ((Math.log10(Math.max(v, bot0)) - Math.log10(bot0)) / (Math.log10(top0) - Math.log10(bot0))) * plotH;
    return top + plotH - (v / top0) * plotH;
  };
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${Math.round(height)}" ` +
    `viewBox="0 0 ${width} ${Math.round(height)}" font-family="sans-serif" font-size="11"${id ? ` id="${esc(id)}"` : ''}>`);
  out.push(`<title>${esc(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${Math.round(height)}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`);
  series.forEach((s, i) => {
    const lx = left + (i % 4) * Math.max(120, (width - left) / 4);
    const ly = 34 + Math.floor(i / 4) * 16;
    const st = styleOf(s);
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${st.color}" fill-opacity="${st.opacity}"/>` +
      `<text x="${lx + 14}" y="${ly}" class="legend">${esc(s)}</text>`);
  });
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(`<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#e3e3e3"/>` +
      `<text x="${left - 6}" y="${(+ty + 4).toFixed(1)}" text-anchor="end" class="tick">${esc(fmt(t))}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  groups.forEach((g, gi) => {
    const gx = left + gap / 2 + groupX[gi];
    g.bars.forEach((b, bi) => {
      const st = { ...styleOf(b.series), ...(b.opacity !== undefined ? { opacity: b.opacity } : {}) };
      const x = gx + bi * barW;
      if (!Number.isFinite(b.value) || (log && b.value <= 0)) {
        out.push(`<text x="${x + barW / 2}" y="${top + plotH - 4}" text-anchor="middle" fill="#999" class="na">–</text>`);
        return;
      }
      const by = y(b.value);
      out.push(`<rect class="bar" x="${x + 1}" y="${by.toFixed(1)}" width="${barW - 2}" height="${(top + plotH - by).toFixed(1)}" ` +
        `fill="${st.color}" fill-opacity="${st.opacity}"><title>${esc(`${g.label} · ${b.series}: ${fmt(b.value)}` +
        (Number.isFinite(b.min) && Number.isFinite(b.max) && b.min !== b.max ? ` [${fmt(b.min)}–${fmt(b.max)}]` : '') +
        (b.note ? ` ${b.note}` : ''))}</title></rect>`);
      if (valueSuffix !== undefined) {
        const top = Math.min(by, Number.isFinite(b.max) ? y(b.max) : by) - 3;
        out.push(`<text x="${x + barW / 2}" y="${top.toFixed(1)}" text-anchor="middle" font-size="9" class="value">${esc((b.value >= 0.1 ? b.value.toFixed(2) : b.value.toPrecision(2)) + valueSuffix)}</text>`);
      }
      if (Number.isFinite(b.min) && Number.isFinite(b.max) && b.min !== b.max) {
        const cx = x + barW / 2;
        out.push(`<path d="M${cx} ${y(b.min).toFixed(1)}V${y(b.max).toFixed(1)}M${cx - 3} ${y(b.min).toFixed(1)}h6M${cx - 3} ` +
          `${y(b.max).toFixed(1)}h6" stroke="#222" stroke-width="1"/>`);
      }
    });
    const lx = gx + (Math.max(1, g.bars.length) * barW) / 2;
    const ly = top + plotH + 12;
    out.push(`<text x="${lx}" y="${ly}" text-anchor="end" transform="rotate(-35 ${lx} ${ly})" class="group">${esc(g.label)}</text>`);
  });
  if (Number.isFinite(refLine)) {
    const ry = y(refLine).toFixed(1);
    out.push(`<line class="ref-line" x1="${left}" x2="${width - right}" y1="${ry}" y2="${ry}" stroke="#b8403a" stroke-dasharray="4 3"/>` +
      `<text x="${width - right - 2}" y="${(+ry - 3).toFixed(1)}" text-anchor="end" fill="#b8403a" class="ref-label">${esc(fmt(refLine))}</text>`);
  }
  const yl = left - 52;
  out.push(`<text x="${yl}" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 ${yl} ${top + plotH / 2})" ` +
    `class="axis-label y-label">${esc(yLabel + (log ? ' (log scale)' : ''))}</text>`);
  out.push(`<text x="${left + (width - left) / 2}" y="${Math.round(height) - 6}" text-anchor="middle" class="axis-label x-label">${esc(xLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}

module.exports = { barChart, esc, PALETTE };
