// Ids that sort in the order rows were written (UUID version 7, RFC 9562): 48 bits of Unix
// milliseconds, then a 12-bit counter that keeps ids of one millisecond increasing within this
// process, then random bits. Newest-first lists (audit events, kept mail) order by (inserted_at, id),
// and PGlite's clock only has millisecond resolution, so the id is what orders rows of one millisecond.
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

export function timeOrderedId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // 4,096 ids in one millisecond: borrow the next millisecond rather than repeat an order.
    lastMs += 1;
    counter = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
