'use strict';
// Usage text of a bench script = its leading // comment block; prints it (with
// an error line first when given) and exits 2 on an error, 0 for --help.
const fs = require('node:fs');
const path = require('node:path');

function usage(file, msg) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(1);
  const text = lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).join('\n');
  if (msg) console.error(`${path.basename(file)}: ${msg}`);
  console.error(text.replace(/^\/\/ ?/gm, ''));
  process.exit(msg ? 2 : 0);
}

module.exports = { usage };
