'use strict';
// Progress on stderr: a redrawn bar on a terminal, one line per run otherwise.

function fmtSec(s) {
  if (!Number.isFinite(s) || s < 0) return '?';
  s = Math.round(s);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function progressBar(total0, estimateSec, { tty = false, stream = process.stderr } = {}) {
  const t0 = Date.now();
  let done = 0;
  let total = total0;
  const width = 28;
  const draw = (what) => {
    const elapsed = (Date.now() - t0) / 1000;
    const left = done ? (elapsed / done) * (total - done) : estimateSec - elapsed;
    const fill = Math.round((done / total) * width);
    const bar = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} ${fmtSec(elapsed)} elapsed, ~${fmtSec(left)} left`;
    if (tty) stream.write(`\r\x1b[K${bar}  ${what}`.slice(0, (stream.columns || 120) + 6));
    else stream.write(`${bar}  ${what}\n`);
  };
  return {
    start(what) { if (tty) draw(`running ${what}`); },
    tick(what) { done++; draw(what); },
    add(n) { total += n; },
    end() { if (tty) stream.write('\n'); },
  };
}

module.exports = { progressBar, fmtSec };
