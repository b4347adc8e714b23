// Which proxy, if any, a connection to the API server goes through: the kubeconfig's proxy-url,
// else HTTPS_PROXY (for an https:// server; HTTP_PROXY for http://) unless NO_PROXY exempts the
// host, as Go's http.ProxyFromEnvironment decides for kubectl and client-go (NO_PROXY entries:
// host names matching themselves and their subdomains, IP addresses, CIDRs, '*'). Pure.
import { ipEquals, parseIp } from '../ip/address.js';
import { parseCidr, rangeContains } from '../ip/range.js';

export function proxyFor(server: string, env: NodeJS.ProcessEnv, proxyUrl?: string): string | undefined {
  if (proxyUrl !== undefined) return proxyUrl;
  const url = new URL(server);
  const pick = (names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const proxy = url.protocol === 'https:' ? pick(['HTTPS_PROXY', 'https_proxy']) : pick(['HTTP_PROXY', 'http_proxy']);
  if (proxy === undefined) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (exempt(host, port, pick(['NO_PROXY', 'no_proxy']) ?? '')) return undefined;
  // Go accepts a bare host:port; so does this.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/** Whether NO_PROXY exempts host:port. */
export function exempt(host: string, port: string, noProxy: string): boolean {
  const lower = host.toLowerCase();
  const ip = parseIp(lower);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const cidr = parseCidr(entry);
      if (cidr.ok && ip.ok && rangeContains(cidr.value, ip.value)) return true;
      continue;
    }
    const bareIp = parseIp(entry.replace(/^\[|\]$/g, ''));
    if (bareIp.ok) {
      if (ip.ok && ipEquals(bareIp.value, ip.value)) return true;
      continue;
    }
    // host[:port] or [v6]:port; with a port the entry exempts only that port.
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    if (m[2] !== undefined && m[2] !== port) continue;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    const named = parseIp(name);
    if (named.ok) {
      if (ip.ok && ipEquals(named.value, ip.value)) return true;
      continue;
    }
    const domain = name.replace(/^\*?\./, '');
    if (lower === domain || lower.endsWith(`.${domain}`)) return true;
  }
  return false;
}
