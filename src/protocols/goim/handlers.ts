/** The handler goim adds (frames reach onFrame as GoimFrame objects). */
import type { Connection } from '../../connection';
import type { GoimAuthResult, GoimFrame } from './frame';

export interface GoimAuthHandler<T = unknown> {
  /**
   * goim framing only: turns the auth gate on. The client's auth packet (op 7)
   * arrives here and no other packet reaches onFrame until it is accepted
   * (native code enforces it: another op first closes with 'auth-required').
   * Return (or resolve) true to accept (the server replies op 8 with the same
   * seq), { body } to accept with a reply body, false to reject (closed with
   * 'auth-rejected'). Unanswered within framing.authTimeout: 'auth-timeout'.
   */
  onAuth?(conn: Connection<T>, frame: GoimFrame): GoimAuthResult | Promise<GoimAuthResult>;
}
