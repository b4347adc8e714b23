// Test-only helpers: addresses and MACs from text, so tables read like packet captures.
import { parseIp, type IpAddress } from '../../shared/ip/address.js';
import { parseMac, type Mac } from '../ethernet/mac.js';

export function ip(text: string): IpAddress {
  const r = parseIp(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export function mac(text: string): Mac {
  const r = parseMac(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/[\s:]/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
