'use strict';
// `node bench/<preset>.js [flags]` = `ringnet bench --preset <preset> [flags]` (any `ringnet
// bench` flag may follow; --preset or --config replaces the preset). Used by bench/echo.js,
// bench/http.js and bench/broadcast.js, which are now presets of the lab.
const path = require('node:path');

function runPreset(preset, script) {
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
  let main;
  try {
    ({ main } = require(cli));
  } catch {
    process.stderr.write(`${path.basename(script)}: dist/ is missing: run \`npm run build\` first\n`);
    process.exit(2);
  }
  const argv = process.argv.slice(2);
  const args = argv.some((a) => a === '--preset' || a.startsWith('--preset=') || a === '--config' || a.startsWith('--config='))
    ? argv : ['--preset', preset, ...argv];
  main(['bench', ...args]).then((code) => { if (code >= 0) process.exitCode = code; }, (err) => {
    process.stderr.write(`ringnet: ${err.message}\n`);
    process.exitCode = err.code === 'ERR_USAGE' ? 2 : 1;
  });
}

module.exports = { runPreset };
