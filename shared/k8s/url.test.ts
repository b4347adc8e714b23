import { queryString, requestUrl, resourcePath, serverUrl } from './url.js';

describe('url building', () => {
  it.each([
    ['10.0.0.1', 443, 'https://10.0.0.1:443'],
    ['fd00::1', '6443', 'https://[fd00::1]:6443'],
    ['[fd00::1]', 6443, 'https://[fd00::1]:6443'],
    ['api.example', 6443, 'https://api.example:6443'],
  ])('serverUrl(%s, %s)', (host, port, want) => {
    expect(serverUrl(host, port)).toBe(want);
  });

  it.each([
    [{}, ''],
    [{ a: undefined, b: '' }, ''],
    [{ watch: 1, resourceVersion: '12', allowWatchBookmarks: true }, '?watch=1&resourceVersion=12&allowWatchBookmarks=true'],
    [{ labelSelector: 'app=x,tier in (a,b)' }, '?labelSelector=app%3Dx%2Ctier+in+%28a%2Cb%29'],
    [{ continue: 'eyJ2Ijoi+/=' }, '?continue=eyJ2Ijoi%2B%2F%3D'],
  ])('queryString(%j)', (q, want) => {
    expect(queryString(q)).toBe(want);
  });

  it.each([
    ['https://10.0.0.1:6443', '/api/v1/nodes', undefined, 'https://10.0.0.1:6443/api/v1/nodes'],
    ['https://10.0.0.1:6443/', '/api/v1/nodes', { limit: 500 }, 'https://10.0.0.1:6443/api/v1/nodes?limit=500'],
    ['https://[fd00::1]:6443', '/api/v1/nodes', undefined, 'https://[fd00::1]:6443/api/v1/nodes'],
    ['https://rancher.example/k8s/clusters/c-1', '/api/v1/nodes', undefined, 'https://rancher.example/k8s/clusters/c-1/api/v1/nodes'],
    ['https://rancher.example/k8s/clusters/c-1/', 'api/v1/nodes', undefined, 'https://rancher.example/k8s/clusters/c-1/api/v1/nodes'],
    ['http://127.0.0.1:8080', '/apis', { watch: 1 }, 'http://127.0.0.1:8080/apis?watch=1'],
  ])('requestUrl(%s, %s)', (server, path, query, want) => {
    expect(requestUrl(server, path, query).href).toBe(want);
  });

  it.each([
    [{ version: 'v1', plural: 'nodes' }, '/api/v1/nodes'],
    [{ version: 'v1', plural: 'services', namespace: 'ns', name: 'web', subresource: 'status' }, '/api/v1/namespaces/ns/services/web/status'],
    [{ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: 'x', name: 'l' }, '/apis/coordination.k8s.io/v1/namespaces/x/leases/l'],
    [{ group: '', version: 'v1', plural: 'events', namespace: 'a b', name: 'x/y' }, '/api/v1/namespaces/a%20b/events/x%2Fy'],
  ])('resourcePath(%j)', (ref, want) => {
    expect(resourcePath(ref)).toBe(want);
  });
});
