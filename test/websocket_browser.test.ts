/**
 * A real browser: headless Chromium (the Debian package) loads a page the
 * test's own ringnet server serves (framing http + websocket), opens ws:// to
 * it — or, over TLS, loads it over https:// and opens wss:// — exchanges text
 * and binary messages over 64 KiB (non-ASCII text), checks the echoes and
 * reports back over HTTP(S). Both sides check the bytes. Chromium trusts the
 * test certificate through --ignore-certificate-errors-spki-list (the SHA-256
 * of its public key), which trusts that one key and nothing else.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Handlers, ServerOptions } from '../src/index';
import { useHarness } from './support/harness';
import { waitFor } from './support/net';
import { makePki, removePki } from './support/tls';
import { VARIANTS } from './support/variants';

const pki = makePki();
afterAll(() => removePki(pki));
/** base64(SHA-256(SubjectPublicKeyInfo)) of the server certificate: what Chromium's flag names. */
const SPKI_HASH = createHash('sha256')
  .update(new X509Certificate(readFileSync(pki.localhost.cert)).publicKey.export({ type: 'spki', format: 'der' }))
  .digest('base64');

function hasChromium(): boolean {
  try {
    execFileSync('chromium', ['--version'], { timeout: 20_000, env: { ...process.env, LD_PRELOAD: '' } });
    return true;
  } catch {
    return false;
  }
}

const TEXT_UNIT = 'ringnet ✓ 日本語 🚀 ';
const PAGE = `<!doctype html><meta charset="utf-8"><script>
const text = ${JSON.stringify(TEXT_UNIT)}.repeat(4000);
const bin = new Uint8Array(100000); for (let i = 0; i < bin.length; i++) bin[i] = (i * 7 + 3) & 255;
const report = (r) => fetch('/result', { method: 'POST', body: JSON.stringify({ ...r, scheme: location.protocol }) });
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
ws.binaryType = 'arraybuffer';
const got = [];
ws.onopen = () => { ws.send(text); ws.send(bin); };
ws.onmessage = (e) => {
  got.push(e.data);
  if (got.length < 3) return;
  const t = got[0] === text, b = got[1] instanceof ArrayBuffer && new Uint8Array(got[1]).every((v, i) => v === bin[i]) && got[1].byteLength === bin.length;
  ws.close(4321, 'done ✓');
  ws.onclose = (c) => report({ text: t, binary: b, server: got[2], code: c.code, reason: c.reason, extensions: ws.extensions });
};
ws.onerror = () => report({ error: 'websocket error' });
</script>`;

describe.skipIf(!hasChromium()).each(VARIANTS)('websocket with headless Chromium ($name)', ({ options }) => {
  const h = useHarness();
  let browser: ChildProcess | undefined;
  let profile = '';
  afterEach(async () => {
    const b = browser;
    browser = undefined;
    if (b?.pid !== undefined && b.exitCode === null) {
      // Chromium's helpers share its process group (spawned detached): end them all, then wait.
      const exited = new Promise((resolve) => b.once('exit', resolve));
      try { process.kill(-b.pid, 'SIGKILL'); } catch { /* already gone */ }
      await exited;
    }
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  it.each([
    { scheme: 'ws', tls: false, deflate: false },
    { scheme: 'wss', tls: true, deflate: false },
    { scheme: 'ws', tls: false, deflate: true },
    // The dedicated compressor: context takeover, window 12 (its default), announced.
    { scheme: 'ws', tls: false, deflate: { compress: 'dedicated' } as const },
  ])('exchanges text and binary messages over 64 KiB with a browser over $scheme:// (perMessageDeflate: $deflate)', async ({ tls, deflate }) => {
    let result: Record<string, unknown> | undefined;
    const serverSaw: string[] = [];
    const closes: Array<[number, string]> = [];
    const wsTls: Array<string | false | undefined> = [];
    const expectedText = TEXT_UNIT.repeat(4000);
    const tlsOption = tls ? { tls: { key: pki.localhost.key, cert: pki.localhost.cert } } : {};
    const { server, port } = await h.listen({ ...options, ...tlsOption, framing: { type: 'http', websocket: { path: '/ws', perMessageDeflate: deflate } } } as ServerOptions, {
      onRequest(req, res) {
        if (req.url === '/result') {
          result = JSON.parse(req.body.toString()) as Record<string, unknown>;
          res.end('ok');
          return;
        }
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(PAGE);
      },
      websocket: {
        onOpen(ws) { wsTls.push(ws.connection.tls?.alpn); },
        onMessage(ws, data, isBinary) {
          if (isBinary) {
            const ok = data.length === 100000 && data.every((v, i) => v === ((i * 7 + 3) & 255));
            serverSaw.push(`binary:${ok}`);
          } else {
            serverSaw.push(`text:${data.toString() === expectedText}`);
          }
          ws.send(Buffer.from(data), isBinary);
          if (serverSaw.length === 2) ws.send(serverSaw.join(','));
        },
        onClose(_ws, code, reason) { closes.push([code, reason]); },
      },
    } as Handlers);
    profile = mkdtempSync(join(tmpdir(), 'ringnet-chromium-'));
    browser = spawn('chromium', [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
      `--user-data-dir=${profile}`, ...(tls ? [`--ignore-certificate-errors-spki-list=${SPKI_HASH}`] : []),
      `${tls ? 'https' : 'http'}://localhost:${port}/`,
    ], { stdio: 'ignore', detached: true, env: { ...process.env, LD_PRELOAD: '' } });
    await waitFor(() => result !== undefined, 60_000, 'the page to report');
    expect(result).toEqual({
      text: true, binary: true, server: 'text:true,binary:true', code: 4321, reason: 'done ✓', scheme: tls ? 'https:' : 'http:',
      extensions: deflate === false ? ''
        : deflate === true ? 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'
          : 'permessage-deflate; client_no_context_takeover; server_max_window_bits=12',
    });
    // The echoes are ~208 KB of messages (108 KB of text, 100 KB of binary, both compressible):
    // compressed by the server (the browser inflated them, the page checked every byte) they
    // take a fraction of that on the wire.
    const out = server.stats().bytesOut;
    if (deflate !== false) expect(out).toBeLessThan(60_000);
    else expect(out).toBeGreaterThan(200_000);
    // Chromium offers h2 first; the server picks http/1.1 (the upgrade is HTTP/1.1).
    expect(wsTls).toEqual([tls ? 'http/1.1' : undefined]);
    expect(serverSaw).toEqual(['text:true', 'binary:true']);
    await waitFor(() => closes.length === 1, 10_000, 'onClose');
    expect(closes[0]).toEqual([4321, 'done ✓']);
  }, 90_000);
});
