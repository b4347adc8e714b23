// Counters of how the informers recover, read from the informers when Prometheus scrapes (the
// informers stay free of prom-client). Both programs register them, labelled by informer name.
import { Counter, type Registry } from '../metrics/prom.js';
import type { InformerLifecycle, InformerStats } from './informer.js';

const series: readonly { name: string; help: string; stat: keyof InformerStats }[] = [
  { name: 'l2lb_informer_restarts_total', help: 'Failed lists or watches after the first sync, per informer', stat: 'restarts' },
  { name: 'l2lb_informer_relists_total', help: 'Lists after the first one (expired resourceVersion or an error answer), per informer', stat: 'relists' },
  { name: 'l2lb_informer_watch_stalls_total', help: 'Watches abandoned after a silence longer than the read-idle watchdog, per informer', stat: 'stalls' },
  { name: 'l2lb_informer_handler_errors_total', help: 'Exceptions thrown by event handlers (logged; the informer carries on), per informer', stat: 'handlerErrors' },
];

export function registerInformerMetrics(registry: Registry, informers: readonly InformerLifecycle[]): void {
  for (const s of series) {
    new Counter({
      name: s.name,
      help: s.help,
      labelNames: ['informer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of informers) this.inc({ informer: i.source.name }, i[s.stat]);
      },
    });
  }
}
