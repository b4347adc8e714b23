import { Counter, Registry } from 'prom-client';
import { startMetricsServer } from './server.js';

describe('metrics server', () => {
  it('serves /metrics from the registry and probe results on /healthz and /readyz', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'l2lb_test_total', help: 'test', registers: [registry] });
    c.inc(3);
    let ready: { ok: true } | { ok: false; reason: string } = { ok: false, reason: 'informers not synced' };
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry, ready: () => ready });
    try {
      const base = `http://127.0.0.1:${server.address().port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(await metrics.text()).toContain('l2lb_test_total 3');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toBe('informers not synced\n');
      ready = { ok: true };
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});
