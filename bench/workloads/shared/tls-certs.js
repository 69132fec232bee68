'use strict';
// The lab's TLS identity: one self-signed EC P-256 certificate for 127.0.0.1 / localhost, made
// with the openssl CLI the first time a TLS cell needs it, in a private temp directory removed
// when the lab exits. The generators do not verify it (wrk never does; the TLS echo client is
// told not to): the cells measure the servers' record and handshake work, not a PKI.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

let made = null;

/** { key, cert, dir }: paths of the PEM files. Throws when openssl is missing. */
function labCerts() {
  if (made) return made;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-lab-tls-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
  made = { key, cert, dir };
  return made;
}

/** true, or why TLS cells cannot run here. */
function tlsAvailable() {
  try {
    labCerts();
    return true;
  } catch (e) {
    return `cannot make a test certificate with openssl: ${e.message.split('\n')[0]}`;
  }
}

/** Cells whose server speaks TLS: HTTPS (http with tls), the TLS echo, idle TLS connections. */
const isTlsCell = (cell) => Boolean(cell.tls || cell.workload === 'tls-echo' || cell.protocol === 'tls');

module.exports = { labCerts, tlsAvailable, isTlsCell };
