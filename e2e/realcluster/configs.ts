// The configuration files of one real node: containerd, its CNI network, the kubelet and
// kube-proxy. Pure renderers (text in, text out), so what each setting is for is stated once.
// Settings that exist only because of this machine, not Kubernetes, say so.
import { CLUSTER_CIDR_V4, CLUSTER_CIDR_V6, type NodePlan } from './plan.js';

export const PAUSE_IMAGE = 'l2lb.local/pause:1';

/** containerd 1.6 (Debian bookworm's): own root, state and socket, so several run side by side. */
export function containerdConfig(n: NodePlan): string {
  return `version = 2
root = "${n.dir}/containerd/root"
state = "${n.runDir}/containerd"
[grpc]
  address = "${n.socket}"
[ttrpc]
  address = "${n.socket}.ttrpc"
[debug]
  address = "${n.runDir}/containerd-debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  netns_mounts_under_state_dir = true
  enable_selinux = false
  disable_apparmor = true
  # Root lacks CAP_SYS_RESOURCE on the build machines: sandboxes cannot get oom_score_adj -998.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${n.dir}/cni"
    max_conf_num = 1
[plugins."io.containerd.internal.v1.opt"]
  path = "${n.dir}/containerd/opt"
`;
}

/** Dual-stack pod network: a bridge with both pod ranges, the node as gateway, masquerade out. */
export function cniConfig(n: NodePlan): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: n.cniNetwork,
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: `${n.dir}/ipam`,
          ranges: [[{ subnet: n.podCidrV4 }], [{ subnet: n.podCidrV6 }]],
          routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 1);
}

export interface KubeletConfigInput {
  readonly caFile: string;
}

export function kubeletConfig(n: NodePlan, o: KubeletConfigInput): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The build machines run cgroup v1, which kubelet 1.35 refuses unless told otherwise.
failCgroupV1: false
failSwapOn: false
cgroupDriver: cgroupfs
# Several kubelets on one machine: each under its own cgroup root.
cgroupRoot: ${n.cgroupRoot}
cgroupsPerQOS: true
kubeletCgroups: ${n.cgroupRoot}/kubelet
containerRuntimeEndpoint: unix://${n.socket}
address: ${n.ipv4}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
podCIDR: ${n.podCidrV4}
authentication: {anonymous: {enabled: false}, webhook: {enabled: false}, x509: {clientCAFile: ${o.caFile}}}
authorization: {mode: AlwaysAllow}
resolvConf: /etc/resolv.conf
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
registerNode: true
nodeStatusUpdateFrequency: 2s
syncFrequency: 10s
fileCheckFrequency: 60s
podLogsDir: ${n.dir}/pod-logs
# No CAP_SYS_RESOURCE (see containerd's restrict_oom_score_adj).
oomScoreAdj: 0
`;
}

export type ProxyMode = 'iptables' | 'nftables' | 'ipvs';

export interface KubeProxyConfigInput {
  readonly kubeconfig: string;
  readonly mode: ProxyMode;
  /** IPVS only: kube-proxy sets arp_ignore/arp_announce so that only the speaker answers ARP. */
  readonly strictArp?: boolean;
}

export function kubeProxyConfig(n: NodePlan, o: KubeProxyConfigInput): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${o.kubeconfig}}
hostnameOverride: ${n.name}
mode: ${o.mode}
clusterCIDR: ${CLUSTER_CIDR_V4},${CLUSTER_CIDR_V6}
detectLocalMode: ClusterCIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
ipvs: {strictARP: ${o.strictArp === true}}
# The lab's namespaces share the machine's conntrack table: leave its sysctls alone.
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
oomScoreAdj: 0
`;
}
