import fc from 'fast-check';
import { ipFromBytes, ipToBytes, type IpAddress } from '../../shared/ip/address.js';
import { readIp, writeIp } from './wire.js';

describe('wire address helpers agree with shared/ip', () => {
  const v4 = fc.bigInt({ min: 0n, max: 0xffffffffn }).map((value): IpAddress => ({ family: 4, value }));
  const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value): IpAddress => ({ family: 6, value }));

  test('writeIp = ipToBytes, readIp = ipFromBytes, at an offset', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), fc.nat({ max: 8 }), (ip, offset) => {
        const n = ip.family === 4 ? 4 : 16;
        const out = new Uint8Array(offset + n);
        writeIp(out, offset, ip);
        expect(out.subarray(offset)).toEqual(ipToBytes(ip));
        expect(readIp(out, offset, ip.family)).toEqual(ipFromBytes(out, ip.family, offset));
        expect(readIp(out, offset, ip.family)).toEqual(ip);
      }),
    );
  });
});
