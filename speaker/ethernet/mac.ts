// 48-bit IEEE MAC addresses as 6-byte arrays: what the wire carries, cheap to compare per frame.
export type Mac = Uint8Array;

export const MAC_LENGTH = 6;
export const BROADCAST_MAC: Mac = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
export const ZERO_MAC: Mac = new Uint8Array(MAC_LENGTH);

export function macEquals(a: Mac, b: Mac): boolean {
  for (let i = 0; i < MAC_LENGTH; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The I/G bit: set for multicast and broadcast destinations, never valid as a sender. */
export const isGroupMac = (mac: Mac): boolean => ((mac[0] ?? 0) & 1) === 1;

export const isZeroMac = (mac: Mac): boolean => macEquals(mac, ZERO_MAC);

/** Copies 6 bytes out of a frame (as a plain Uint8Array: Buffer#slice would alias), so packets never
 * alias a socket's reusable receive buffer. */
export const macFromBytes = (bytes: Uint8Array, offset: number): Mac => new Uint8Array(bytes.subarray(offset, offset + MAC_LENGTH));

export function formatMac(mac: Mac): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export type MacParse = { ok: true; value: Mac } | { ok: false; error: string };

export function parseMac(text: string): MacParse {
  const parts = text.split(/[:-]/);
  if (parts.length !== MAC_LENGTH || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    return { ok: false, error: `"${text}" is not a MAC address (want six hex pairs like 02:00:5e:10:00:01)` };
  }
  return { ok: true, value: Uint8Array.from(parts, (p) => parseInt(p, 16)) };
}
