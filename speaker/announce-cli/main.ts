// l2lb-announce: answer ARP/NDP for the given addresses from this host until interrupted (a
// takeover burst first). Operators use it to check a network before installing l2lb (does the
// switch learn us? do clients move?); the lab tests and benchmarks use it as the responder.
import { Registry } from '../../shared/metrics/prom.js';
import { UsageError, flagInt, flagString, type FlagSpec, type FlagValues } from '../../shared/cli/flags.js';
import { runProgram } from '../../shared/cli/run.js';
import { createLogger, isLogLevel } from '../../shared/log.js';
import { startMetricsServer } from '../../shared/metrics/server.js';
import { Announcer } from '../announcer/announcer.js';
import type { InterfaceInfo } from '../announcer/links.js';
import { realLinks } from '../announcer/real-links.js';
import { parseAnnounceAddresses } from './addresses.js';
import { lookupInterface } from './lookup.js';

export const announceFlags: FlagSpec[] = [
  { name: 'interface', help: 'interface to announce on (e.g. eth0)', repeatable: true },
  { name: 'ip', help: 'IPv4 or IPv6 address to answer for', repeatable: true },
  { name: 'refresh-seconds', help: 'seconds between refresh announcements', default: '60' },
  { name: 'metrics-port', help: 'serve /metrics (request, response and drop counters) on this port; 0 = off', default: '0' },
  { name: 'log-level', help: 'debug, info, warn or error', default: 'info' },
];

async function main(flags: FlagValues): Promise<void> {
  const level = flagString(flags, 'log-level') ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be debug, info, warn or error, not ${JSON.stringify(level)}`);
  const refreshSeconds = flagInt(flags, 'refresh-seconds', 1, 86_400) ?? 60;
  const metricsPort = flagInt(flags, 'metrics-port', 0, 65_535) ?? 0;
  const ifnames = flags.get('interface') ?? [];
  if (ifnames.length === 0) throw new UsageError('--interface is required');
  const ips = parseAnnounceAddresses(flags.get('ip') ?? []);
  if (!ips.ok) throw new UsageError(ips.error);
  const ifaces: InterfaceInfo[] = [];
  const warnings: string[] = [];
  for (const name of ifnames) {
    const info = await lookupInterface(name);
    if (!info.ok) throw new UsageError(info.error);
    ifaces.push(info.value);
    if (info.warning !== undefined) warnings.push(info.warning);
  }

  const log = createLogger(level, { program: 'l2lb-announce' });
  for (const w of warnings) log.warn('interfaceDown', w);
  const registry = new Registry();
  const server = metricsPort === 0 ? undefined : await startMetricsServer({ port: metricsPort, registry, ready: () => ({ ok: true }) });
  const announcer = new Announcer({
    registry,
    log,
    links: realLinks(log),
    lookupInterface: (name) => ifaces.find((i) => i.name === name),
    refreshIntervalMs: refreshSeconds * 1000,
  });
  const { errors } = announcer.setOwned(ifaces.flatMap((i) => ips.value.map((ip) => ({ ip, interfaceName: i.name }))));
  if (errors.length > 0) {
    for (const e of errors) log.error('announceFailed', e);
    announcer.close();
    void server?.close();
    process.exitCode = 1;
    return;
  }
  log.info('ready', 'announcing; stop with SIGINT or SIGTERM', { interfaces: ifnames, ips: flags.get('ip') });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info('stopping', 'withdrawing: no more answers from this host', { signal });
      announcer.close();
      void server?.close();
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

await runProgram('l2lb-announce', 'Answers ARP (IPv4) and NDP (IPv6) for the given addresses from this host until interrupted.', announceFlags, main);
