import { Registry } from '../metrics/prom.js';
import type { InformerLifecycle } from './informer.js';
import { registerInformerMetrics } from './informer-metrics.js';

const informer = (name: string, stats: { restarts: number; relists: number; stalls: number; handlerErrors: number }): InformerLifecycle => ({
  source: { name },
  hasSynced: true,
  // Read live, as from a running informer.
  get restarts() {
    return stats.restarts;
  },
  get relists() {
    return stats.relists;
  },
  get stalls() {
    return stats.stalls;
  },
  get handlerErrors() {
    return stats.handlerErrors;
  },
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
});

describe('informer metrics', () => {
  it('reports each informer\'s counts as they are at scrape time', async () => {
    const registry = new Registry();
    const services = { restarts: 1, relists: 2, stalls: 3, handlerErrors: 4 };
    registerInformerMetrics(registry, [informer('services', services), informer('nodes', { restarts: 0, relists: 0, stalls: 0, handlerErrors: 0 })]);
    const value = async (metric: string, name: string): Promise<number | undefined> => {
      const m = (await registry.getSingleMetricAsString(metric)).match(new RegExp(`^${metric}\\{informer="${name}"\\} (\\d+)$`, 'm'));
      return m ? Number(m[1]) : undefined;
    };
    expect(await value('l2lb_informer_handler_errors_total', 'services')).toBe(4);
    expect(await value('l2lb_informer_watch_stalls_total', 'nodes')).toBe(0);
    services.handlerErrors = 7;
    services.relists = 5;
    expect(await value('l2lb_informer_handler_errors_total', 'services')).toBe(7);
    expect(await value('l2lb_informer_relists_total', 'services')).toBe(5);
    expect(await value('l2lb_informer_restarts_total', 'services')).toBe(1);
  });
});
