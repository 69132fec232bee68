/**
 * TLS test material and real clients: a private CA and server certificates
 * made with the openssl CLI into a temp directory (once per test file), Node's
 * tls client, and `openssl s_client` driven through its stdin commands.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';

// The sanitizer runtime (npm run test:asan) is preloaded into this process
// and would be into children too: openssl and curl are not ours to check.
export const TOOL_ENV = { ...process.env, LD_PRELOAD: '' };

export interface Identity {
  key: string;   // path
  cert: string;  // path
}

export interface TestPki {
  dir: string;
  ca: string;          // CA certificate path
  caPem: Buffer;
  localhost: Identity; // CN localhost, SAN localhost + 127.0.0.1
  other: Identity;     // SAN other.test
  wildcard: Identity;  // SAN *.wild.test
  rsa: Identity;       // RSA key (TLS 1.2 RSA suites), SAN localhost
  encrypted: Identity & { passphrase: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, env: TOOL_ENV, stdio: 'pipe' });
}

function issue(dir: string, name: string, san: string, keyArgs: string[]): Identity {
  openssl(['req', '-new', '-newkey', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`,
    '-subj', `/CN=${name}`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
  return { key: path.join(dir, `${name}.key`), cert: path.join(dir, `${name}.crt`) };
}

/** A fresh CA and certificates (EC P-256 keys: cheap handshakes on 2 cores). */
export function makePki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-tls-'));
  const ec = ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['req', '-x509', '-newkey', ...ec, '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', '/CN=ringnet test CA'], dir);
  const localhost = issue(dir, 'localhost', 'DNS:localhost,IP:127.0.0.1', ec);
  const other = issue(dir, 'other.test', 'DNS:other.test', ec);
  const wildcard = issue(dir, 'wild', 'DNS:*.wild.test', ec);
  const rsa = issue(dir, 'rsa', 'DNS:localhost,IP:127.0.0.1', ['rsa:2048']);
  const passphrase = 'correct horse';
  openssl(['pkey', '-in', localhost.key, '-aes-128-cbc', '-passout', `pass:${passphrase}`, '-out', 'encrypted.key'], dir);
  const ca = path.join(dir, 'ca.crt');
  return {
    dir, ca, caPem: fs.readFileSync(ca), localhost, other, wildcard, rsa,
    encrypted: { key: path.join(dir, 'encrypted.key'), cert: localhost.cert, passphrase },
  };
}

export function removePki(p: TestPki): void {
  fs.rmSync(p.dir, { recursive: true, force: true });
}

/** A node:tls client, resolved once the handshake is done. */
export function tlsConnect(port: number, pki: TestPki, opts: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: pki.caPem, servername: 'localhost', ...opts }, () => {
      s.off('error', reject);
      s.on('error', () => {}); // resets after the test's checks are the server's business, not a failure
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Collects what a socket receives until `until(text)` holds. */
export function readUntil(s: NodeJS.ReadableStream, until: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`readUntil timed out; got ${JSON.stringify(text.slice(0, 400))}`)), timeoutMs);
    const onData = (d: Buffer | string): void => {
      text += d.toString();
      if (until(text)) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(text);
      }
    };
    s.on('data', onData);
  });
}

export interface SClientResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs `openssl s_client` against the server: `steps` are stdin lines (its
 * commands: 'k' key update, 'K' key update + request, 'R' renegotiate, or
 * data) written with a pause between them; stdin then closes.
 */
export function sClient(port: number, pki: TestPki, args: string[], steps: string[], pauseMs = 300): Promise<SClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.ca,
      '-servername', 'localhost', ...args], { env: TOOL_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ stdout, stderr, code });
    });
    let i = 0;
    const next = (): void => {
      if (i === steps.length) {
        setTimeout(() => child.stdin.end(), pauseMs);
        return;
      }
      child.stdin.write(`${steps[i++]}\n`);
      setTimeout(next, pauseMs);
    };
    setTimeout(next, pauseMs * 2);
  });
}

export function hasTool(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { env: TOOL_ENV, stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
