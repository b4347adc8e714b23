import { metallbObjectPath, metallbPath } from './custom.js';

describe('metallb paths', () => {
  it('builds collection paths', () => {
    expect(metallbPath('metallb-system', 'ipaddresspools')).toBe('/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools');
  });
  it('builds object and status paths', () => {
    expect(metallbObjectPath('ns', 'servicel2statuses', 'l2-a')).toBe('/apis/metallb.io/v1beta1/namespaces/ns/servicel2statuses/l2-a');
    expect(metallbObjectPath('ns', 'ipaddresspools', 'p', 'status')).toBe('/apis/metallb.io/v1beta1/namespaces/ns/ipaddresspools/p/status');
  });
});
