import { ip, mac } from '../testing/fixtures.js';
import type { NdpMessage } from './message.js';
import { validateNdp, type NdpReceiveContext } from './validate.js';

const slla = { kind: 'source-link-layer' as const, mac: mac('02:00:00:00:00:0c') };
const ns = (over: Partial<NdpMessage> = {}): NdpMessage => ({ type: 135, code: 0, target: ip('fd00::100'), options: [slla], ...over }) as NdpMessage;
const na = (solicited: boolean): NdpMessage => ({
  type: 136,
  code: 0,
  router: false,
  solicited,
  override: true,
  target: ip('fd00::100'),
  options: [],
});
const ctx = (over: Partial<NdpReceiveContext> = {}): NdpReceiveContext => ({
  hopLimit: 255,
  source: ip('fd00::c'),
  destination: ip('ff02::1:ff00:100'),
  ...over,
});

describe('RFC 4861 §7.1 validation', () => {
  test.each<[string, NdpMessage, NdpReceiveContext]>([
    ['multicast solicitation', ns(), ctx()],
    ['unicast solicitation (NUD)', ns(), ctx({ destination: ip('fd00::100') })],
    ['DAD solicitation without options', ns({ options: [] }), ctx({ source: ip('::') })],
    ['solicited advertisement to unicast', na(true), ctx({ destination: ip('fd00::c') })],
    ['unsolicited advertisement to all-nodes', na(false), ctx({ destination: ip('ff02::1') })],
  ])('accepts %s', (_name, m, c) => {
    expect(validateNdp(m, c)).toBeUndefined();
  });

  test.each<[string, NdpMessage, NdpReceiveContext]>([
    ['bad-hop-limit', ns(), ctx({ hopLimit: 254 })],
    ['bad-hop-limit', ns(), ctx({ hopLimit: 64 })],
    ['bad-icmp-code', ns({ code: 1 }), ctx()],
    ['target-multicast', ns({ target: ip('ff02::1') }), ctx()],
    ['target-multicast', { ...na(false), target: ip('ff02::2') }, ctx({ destination: ip('ff02::1') })],
    ['source-multicast', ns(), ctx({ source: ip('ff02::1') })],
    ['unspecified-source-not-to-solicited-node', ns({ options: [] }), ctx({ source: ip('::'), destination: ip('fd00::100') })],
    ['unspecified-source-not-to-solicited-node', ns({ options: [] }), ctx({ source: ip('::'), destination: ip('ff02::1') })],
    ['unspecified-source-with-link-layer-option', ns(), ctx({ source: ip('::') })],
    ['solicited-advertisement-to-multicast', na(true), ctx({ destination: ip('ff02::1') })],
  ])('rejects %s', (reason, m, c) => {
    expect(validateNdp(m, c)).toBe(reason);
  });
});
