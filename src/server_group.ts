/**
 * A Comet serving several transports at once (goim: TCP on one port,
 * WebSocket on /sub on another) is several servers, one per transport, each
 * with its own framing, options, workers and TLS. A ServerGroup makes them
 * one broadcast target: a broadcast reaches the members of the room on every
 * server in one call, encoded once per server, that is once per wire format
 * (a goim packet for TCP members, a WebSocket binary message holding it for
 * WebSocket members), never once per member.
 */
import { InvalidOptionError } from './errors';
import type { SendPayload } from './protocol';
import type { CloseOptions, Server } from './server';

export class ServerGroup {
  readonly servers: readonly Server<any>[];

  /**
   * `servers`: at least one, each once. Servers with a cluster must use
   * different `cluster.prefix`es: each publishes its own wire format, which
   * only servers of the same transport on other nodes can deliver.
   */
  constructor(servers: readonly Server<any>[]) {
    if (!Array.isArray(servers) || servers.length === 0) throw new InvalidOptionError('servers', 'must be a non-empty array of servers');
    const prefixes = new Set<string>();
    for (const s of servers) {
      if (typeof (s as Partial<Server<any>>)?._prepareBroadcast !== 'function') throw new InvalidOptionError('servers', 'must hold createServer() servers');
      if (servers.indexOf(s) !== servers.lastIndexOf(s)) throw new InvalidOptionError('servers', 'holds the same server twice');
      const prefix = s._clusterPrefix;
      if (prefix === undefined) continue;
      if (prefixes.has(prefix)) {
        throw new InvalidOptionError('servers', `two servers use cluster.prefix '${prefix}': give each transport its own`);
      }
      prefixes.add(prefix);
    }
    this.servers = [...servers];
  }

  /**
   * server.broadcast() on every server in one call. The frame is validated
   * and encoded for every server before any queues it, so one that a server
   * rejects (it throws) reaches no one. Returns true when every server queued
   * it; false when one did not (not listening, or maxPendingBroadcasts
   * waiting): the others still deliver it.
   */
  broadcast(room: string, frame: SendPayload): boolean {
    return runAll(this.servers.map((s) => s._prepareBroadcast(room, frame)));
  }

  /** Like broadcast(), to every open connection of every server. */
  broadcastAll(frame: SendPayload): boolean {
    return runAll(this.servers.map((s) => s._prepareBroadcast(null, frame)));
  }

  /** server.pushUser() on every server: a user's TCP and WebSocket connections alike. */
  pushUser(userId: string, frame: SendPayload): boolean {
    return runAll(this.servers.map((s) => s._preparePushUser(userId, frame)));
  }

  /** Closes every server (the same options for each). */
  async close(options?: CloseOptions): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close(options)));
  }
}

function runAll(queued: Array<() => boolean>): boolean {
  let all = true;
  for (const q of queued) if (!q()) all = false; // every server, even after a false
  return all;
}
