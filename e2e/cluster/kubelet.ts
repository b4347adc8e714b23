// What a kubelet would have written, for nodes that are network namespaces: the Node object, the
// speaker Pod (so peers find each other) and backend Pods with a Ready status (so
// kube-controller-manager's EndpointSlice controller makes real EndpointSlices).
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { createRetried, retried } from './api-retry.js';

export interface LabNodeFacts {
  readonly name: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export class FakeKubelet {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async registerNode(n: LabNodeFacts, labels: Record<string, string> = {}): Promise<void> {
    const node = await this.core.createNode({ body: { metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...labels } } } });
    // status is a subresource: create ignored it.
    node.status = {
      addresses: [{ type: 'InternalIP', address: n.ipv4 }, { type: 'InternalIP', address: n.ipv6 }, { type: 'Hostname', address: n.name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab node' }],
    };
    await this.core.replaceNodeStatus({ name: n.name, body: node });
  }

  async labelNode(name: string, labels: Record<string, string | null>): Promise<void> {
    const node = await this.core.readNode({ name });
    const merged: Record<string, string> = { ...(node.metadata?.labels ?? {}) };
    for (const [k, v] of Object.entries(labels)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    node.metadata = { ...node.metadata, labels: merged };
    await this.core.replaceNode({ name, body: node });
  }

  /** A running Pod bound to a node, Ready unless told otherwise; podIP given by the caller. */
  async runPod(o: { namespace: string; name: string; node: string; labels: Record<string, string>; podIP: string; hostIP: string; ready?: boolean }): Promise<V1Pod> {
    const body = {
      metadata: { name: o.name, labels: o.labels },
      spec: { nodeName: o.node, automountServiceAccountToken: false, containers: [{ name: 'main', image: 'l2lb.invalid/none' }] },
    };
    // A retry that finds the Pod: the first attempt was applied before the connection broke.
    await createRetried(() => this.core.createNamespacedPod({ namespace: o.namespace, body }), () => this.core.readNamespacedPod({ name: o.name, namespace: o.namespace }));
    return this.setPodReady(o.namespace, o.name, o.ready ?? true, { podIP: o.podIP, hostIP: o.hostIP });
  }

  /** Read and replace again after a broken connection: the status is set whole, so twice is once. */
  setPodReady(namespace: string, name: string, ready: boolean, ips?: { podIP: string; hostIP: string }): Promise<V1Pod> {
    return retried(() => this.writePodStatus(namespace, name, ready, ips));
  }

  private async writePodStatus(namespace: string, name: string, ready: boolean, ips?: { podIP: string; hostIP: string }): Promise<V1Pod> {
    const pod = await this.core.readNamespacedPod({ name, namespace });
    const now = new Date();
    const podIP = ips?.podIP ?? pod.status?.podIP;
    const hostIP = ips?.hostIP ?? pod.status?.hostIP;
    pod.status = {
      phase: 'Running',
      ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
      ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
      startTime: pod.status?.startTime ?? now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
      ],
    };
    return this.core.replaceNamespacedPodStatus({ name, namespace, body: pod });
  }
}
