// Which addresses can be announced: unicast ones a neighbour could ask for. Answering for a
// multicast, broadcast, loopback or unspecified address would only confuse the segment.
import { formatIp, parseIp, type IpAddress } from '../../shared/ip/address.js';

export function announceable(ip: IpAddress): boolean {
  if (ip.family === 4) {
    const first = Number(ip.value >> 24n);
    return ip.value !== 0n && first !== 127 && first < 224;
  }
  return ip.value > 1n && ip.value >> 120n !== 0xffn;
}

export function parseAnnounceAddresses(texts: readonly string[]): { ok: true; value: IpAddress[] } | { ok: false; error: string } {
  if (texts.length === 0) return { ok: false, error: '--ip is required (one or more addresses)' };
  const out: IpAddress[] = [];
  for (const t of texts) {
    const r = parseIp(t);
    if (!r.ok) return { ok: false, error: `--ip: ${r.error}` };
    if (!announceable(r.value)) return { ok: false, error: `--ip: ${formatIp(r.value)} is not a unicast address a neighbour could ask for` };
    out.push(r.value);
  }
  return { ok: true, value: out };
}
