// The Prometheus text parsing the lab tests and the failover benchmark count with: exact metric
// names, label matching, and which API server writes are l2lb's to count.
import { apiserverWrites, diffWrites, metricSeries, metricSum } from './scrape.js';

const text = [
  '# HELP metallb_speaker_announced Services being announced from this node.',
  '# TYPE metallb_speaker_announced gauge',
  'metallb_speaker_announced{ip="192.0.2.200",node="node1",protocol="layer2",service="demo/web"} 1',
  'metallb_speaker_announced{ip="2001:db8::200",node="node1",protocol="layer2",service="demo/web"} 1',
  'metallb_speaker_announced_other{ip="192.0.2.201"} 7',
  'l2lb_k8s_writes_total{verb="update",resource="servicel2statuses/status"} 3',
  'l2lb_k8s_writes_total{verb="create",resource="events"} 2',
  'process_cpu_seconds_total 1.5',
].join('\n');

test('metricSeries takes the exact name only, with its labels', () => {
  const s = metricSeries(text, 'metallb_speaker_announced');
  expect(s.map((x) => x.labels['ip'])).toEqual(['192.0.2.200', '2001:db8::200']);
  expect(metricSeries(text, 'process_cpu_seconds_total')).toEqual([{ labels: {}, value: 1.5 }]);
});

test('metricSum adds the samples whose labels match', () => {
  expect(metricSum(text, 'l2lb_k8s_writes_total')).toBe(5);
  expect(metricSum(text, 'l2lb_k8s_writes_total', { resource: 'events' })).toBe(2);
  expect(metricSum(text, 'no_such_metric')).toBe(0);
});

test('apiserverWrites counts mutating verbs, leaves out the control plane\'s own Leases and Endpoints, and splits Events', () => {
  const api = [
    'apiserver_request_total{code="200",component="apiserver",group="metallb.io",resource="servicel2statuses",scope="resource",subresource="status",verb="PUT",version="v1beta1"} 4',
    'apiserver_request_total{code="201",component="apiserver",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 2',
    'apiserver_request_total{code="200",component="apiserver",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 90',
    'apiserver_request_total{code="200",component="apiserver",group="",resource="endpoints",scope="resource",subresource="",verb="POST",version="v1"} 9',
    'apiserver_request_total{code="200",component="apiserver",group="",resource="services",scope="cluster",subresource="",verb="WATCH",version="v1"} 12',
  ].join('\n');
  const w = apiserverWrites(api);
  expect(w.all).toBe(6);
  expect(w.events).toBe(2);
  expect(w.byResource).toEqual({ 'PUT servicel2statuses/status': 4, 'POST events': 2 });
  const later = apiserverWrites(api.replace('verb="PUT",version="v1beta1"} 4', 'verb="PUT",version="v1beta1"} 5'));
  expect(diffWrites(later, w)).toEqual({ all: 1, events: 0, byResource: { 'PUT servicel2statuses/status': 1 } });
});
