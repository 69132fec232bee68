/** Room names: validated once here for conn.join/leave and server.broadcast. */
import { InvalidRoomError } from './errors';

/** The room's UTF-8 bytes, as native code keys rooms. */
export function roomBytes(room: unknown, maxLength: number): Buffer {
  if (typeof room !== 'string' || room.length === 0) {
    throw new InvalidRoomError(`a room name must be a non-empty string, got ${typeof room === 'string' ? "''" : typeof room}`);
  }
  const bytes = Buffer.from(room, 'utf8');
  if (bytes.length > maxLength) {
    throw new InvalidRoomError(`room name of ${bytes.length} bytes exceeds maxRoomNameLength (${maxLength})`);
  }
  return bytes;
}
