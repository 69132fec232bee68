/**
 * Loads the compiled addon (build/Release, or a prebuild: addon_loader.ts) and types its surface.
 * RINGNET_ADDON_PATH names another build to load instead (the sanitizer build
 * of `npm run test:asan` is build/asan/ringnet.node).
 */
import * as path from 'node:path';
import { loadAddon } from './addon_loader';

export interface NativeArena {
  data: ArrayBuffer;
  records: ArrayBuffer;
}

export interface NativeWorker {
  arenas: NativeArena[];
  written: ArrayBuffer;
}

export interface NativeListenResult {
  family: string;
  address: string;
  port: number;
  workers: NativeWorker[];
}

export interface NativeWorkerStats {
  connections: number;
  accepted: number;
  closed: number;
  rejected: number;
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  acceptErrors: number;
  batches: number;
  /** TLS handshakes completed. */
  tlsHandshakes: number;
  /** TLS handshakes that failed, timed out or were cut off by the client. */
  tlsHandshakeFailures: number;
  /** TLS connections whose records the kernel encrypts (kTLS TX). */
  ktlsTx: number;
  /** io_uring: connections whose ops named a registered (fixed) file instead of the fd. */
  fixedFiles: number;
  /** io_uring: provided buffers in the kernel's ring after the last pass (adaptive: grows when a recv finds none). */
  providedBuffers: number;
  /** io_uring: provided buffers the kernel filled that were not yet given back after the last pass (0 unless leaked). */
  providedBuffersHeld: number;
  copiedToArena: number;
  copiedToInbox: number;
  copiedToOutput: number;
  copiedToTail: number;
  sentByReference: number;
  /** Times the worker gave a burst's free memory back to the kernel (malloc_trim, after bursts only). */
  memoryTrims: number;
  /** Nanoseconds those trims took in all. */
  memoryTrimNs: number;
}

export interface NativeTcpInfo {
  state: number;
  rtt: number;
  rttVar: number;
  minRtt: number;
  retransmits: number;
  totalRetransmits: number;
  lost: number;
  cwnd: number;
  ssthresh: number;
  sndMss: number;
  rcvMss: number;
  pmtu: number;
  unacked: number;
  bytesAcked: number;
  bytesReceived: number;
  pacingRate: number;
  deliveryRate: number;
}

/** byReference: frames of this batch may be sent back by reference (CMD_SEND_REF). */
export type BatchCallback = (worker: number, arena: number, records: number, big: Buffer[] | undefined, byReference: boolean) => void;

export interface NativeServer {
  listen(address: { kind: number; host?: string; port?: number; path?: string; proxy?: { timeout: number; v1: boolean; v2: boolean; maxLength: number } }): NativeListenResult;
  /** refs: the log holds CMD_SEND_REF/CMD_WRITE_REF entries (pointing into a batch arena). */
  submit(worker: number, log: Uint8Array, length: number, refs: boolean): void;
  close(timeoutMs: number): void;
  finish(): void;
  stats(): NativeWorkerStats[];
  setOption(worker: number, slot: number, gen: number, id: number, value: number): number;
  getOption(worker: number, slot: number, gen: number, id: number): [number, number];
  tcpInfo(worker: number, slot: number, gen: number): NativeTcpInfo | number;
  ref(): void;
  unref(): void;
  /** room null = every connection; false when a worker's broadcast queue is full. */
  /** encoded: payload is already wire bytes (encodeFrame()). */
  broadcast(room: Buffer | null, payload: Uint8Array, encoded?: boolean): boolean;
  /** The wire bytes send() would write for this payload (header, payload, trailer). */
  encodeFrame(payload: Uint8Array): Buffer;
  /** New handshakes use this context (from createTlsContext). */
  setTlsContext(context: unknown): void;
}

export interface NativeBinding {
  NativeServer: new (config: object, onBatch: BatchCallback) => NativeServer;
  backendAvailable(kind: number): true | string;
  errnoName(errno: number): string;
  /** Builds an OpenSSL context from validated PEM text; throws { code: 'ERR_TLS_CONTEXT' }. */
  createTlsContext(tls: object): unknown;
  kernelTlsAvailable(): true | string;
  tlsErrorString(code: number): string;
}

export const native = loadAddon(path.join(__dirname, '..'), process.env.RINGNET_ADDON_PATH) as NativeBinding;
