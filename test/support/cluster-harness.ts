/**
 * Cluster test harness: ringnet nodes as child processes
 * (test/support/cluster-node.cjs over IPC) and length-framed clients that
 * record every frame with its arrival time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { lengthFrame } from './net';

const FIXTURE = path.join(__dirname, 'cluster-node.cjs');

export interface NodeEvent {
  event: string;
  detail: unknown;
  at: number;
}

export class NodeProcess {
  port = 0;
  nodeId = '';
  readonly events: NodeEvent[] = [];
  private next = 1;
  private readonly waiting = new Map<number, (r: unknown) => void>();
  private constructor(readonly proc: ChildProcess) {}

  static start(options: Record<string, unknown>): Promise<NodeProcess> {
    const proc = fork(FIXTURE, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const n = new NodeProcess(proc);
    return new Promise((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`node exited early (${code})`)));
      proc.on('message', (m: { ready?: boolean; port?: number; nodeId?: string; id?: number; result?: unknown; event?: string; detail?: unknown }) => {
        if (m.ready) {
          n.port = m.port as number;
          n.nodeId = m.nodeId as string;
          resolve(n);
        } else if (m.event !== undefined) {
          n.events.push({ event: m.event, detail: m.detail, at: Date.now() });
        } else if (m.id !== undefined) {
          n.waiting.get(m.id)?.(m.result);
          n.waiting.delete(m.id);
        }
      });
    });
  }

  rpc<R = unknown>(op: string, args: Record<string, unknown> = {}): Promise<R> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`rpc ${op} timed out`)), 20_000);
      this.waiting.set(id, (r) => {
        clearTimeout(t);
        const e = r as { error?: string } | undefined;
        if (e && typeof e === 'object' && 'error' in e) reject(new Error(e.error));
        else resolve(r as R);
      });
      this.proc.send({ id, op, ...args });
    });
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    await this.rpc('close').catch(() => this.proc.kill('SIGKILL'));
    await gone;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

export class Client {
  readonly frames: Array<{ text: string; at: number }> = [];
  private buf = Buffer.alloc(0);
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4) {
        const n = this.buf.readUInt32BE(0);
        if (this.buf.length < 4 + n) break;
        this.frames.push({ text: this.buf.subarray(4, 4 + n).toString(), at: Date.now() });
        this.buf = this.buf.subarray(4 + n);
      }
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }

  /** Sends a command and waits for the reply that starts with `expect`. */
  async ask(cmd: string, expect: string): Promise<string> {
    const from = this.frames.length;
    this.socket.write(lengthFrame(cmd));
    const until = Date.now() + 10_000;
    for (;;) {
      const hit = this.frames.slice(from).find((f) => f.text.startsWith(expect));
      if (hit) return hit.text;
      if (Date.now() > until) throw new Error(`no '${expect}' reply to '${cmd}'`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  texts(prefix: string): string[] {
    return this.frames.map((f) => f.text).filter((t) => t.startsWith(prefix));
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
