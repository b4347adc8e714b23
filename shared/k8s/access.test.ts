import { describePermission, resourceOfPath } from './access.js';

describe('resourceOfPath', () => {
  it.each([
    ['/api/v1/nodes', { group: '', resource: 'nodes' }],
    ['/api/v1/namespaces', { group: '', resource: 'namespaces' }],
    ['/api/v1/namespaces/x', { group: '', resource: 'namespaces' }],
    ['/api/v1/namespaces/x/pods', { group: '', resource: 'pods', namespace: 'x' }],
    ['/api/v1/namespaces/x/pods/p/status', { group: '', resource: 'pods', namespace: 'x' }],
    ['/apis/discovery.k8s.io/v1/endpointslices', { group: 'discovery.k8s.io', resource: 'endpointslices' }],
    ['/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools?limit=5', { group: 'metallb.io', resource: 'ipaddresspools', namespace: 'metallb-system' }],
    ['/version', undefined],
    ['/apis/metallb.io', undefined],
  ])('%s', (path, want) => {
    expect(resourceOfPath(path)).toEqual(want);
  });
});

describe('describePermission', () => {
  it.each([
    ['list', '/api/v1/nodes', 'list nodes cluster-wide'],
    ['watch', '/apis/metallb.io/v1beta1/namespaces/ms/l2advertisements', 'watch l2advertisements.metallb.io in namespace ms'],
    ['get', '/version', 'get /version'],
  ])('%s %s', (verb, path, want) => {
    expect(describePermission(verb, path)).toBe(want);
  });
});
