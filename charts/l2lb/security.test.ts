// Security settings of the rendered workloads, read from the YAML helm produces: the speaker
// holds NET_RAW and nothing else, the controller is non-root on a read-only root filesystem
// with no capabilities. Checked for the default values and with every option on, since values
// must never be able to weaken them.
import { allOnValues, only, podSpec, render, type PodSpec } from './render.js';

// Flow spreading (on in the every-option values) is the one option that adds a capability.
const renders: [string, () => ReturnType<typeof render>, string[]][] = [
  ['default values', () => render(), ['NET_RAW']],
  ['every option on', () => render({ valuesFiles: [allOnValues()] }), ['NET_RAW', 'NET_ADMIN']],
];

const allContainers = (pod: PodSpec) => [...(pod.initContainers ?? []), ...pod.containers];

describe.each(renders)('with %s', (_what, make, speakerCaps) => {
  const objs = make();
  const controller = podSpec(only(objs, 'Deployment', '-controller'));
  const speaker = podSpec(only(objs, 'DaemonSet', '-speaker'));

  it('controller: non-root, read-only root filesystem, no capabilities, no escalation, RuntimeDefault seccomp', () => {
    expect(controller.securityContext?.runAsNonRoot).toBe(true);
    expect(controller.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(controller.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    expect(controller.hostNetwork ?? false).toBe(false);
    for (const c of allContainers(controller)) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.securityContext?.capabilities?.add ?? []).toEqual([]);
      expect(c.securityContext?.privileged ?? false).toBe(false);
      expect(c.securityContext?.runAsUser ?? 1).not.toBe(0);
    }
  });

  it(`speaker: drops ALL and adds only ${speakerCaps.join(' and ')}, no escalation, read-only root, RuntimeDefault seccomp`, () => {
    expect(speaker.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    for (const c of allContainers(speaker)) {
      expect(c.securityContext?.capabilities).toEqual({ drop: ['ALL'], add: speakerCaps });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      expect(c.securityContext?.privileged ?? false).toBe(false);
    }
  });

  it('speaker: host network (ARP/NDP on node interfaces) but never host PID/IPC or host volumes', () => {
    expect(speaker.hostNetwork).toBe(true);
    expect(speaker.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(speaker.hostPID ?? false).toBe(false);
    expect(speaker.hostIPC ?? false).toBe(false);
    expect(speaker.volumes ?? []).toEqual([]);
    expect(controller.volumes ?? []).toEqual([]);
  });

  it('speaker: node name and host IP from the downward API, node name passed as a flag', () => {
    const c = speaker.containers[0]!;
    const field = (name: string): string | undefined => c.env?.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
    expect(field('NODE_NAME')).toBe('spec.nodeName');
    expect(field('HOST_IP')).toBe('status.hostIP');
    expect(field('POD_NAMESPACE')).toBe('metadata.namespace');
    expect(c.args).toEqual(expect.arrayContaining(['--node-name=$(NODE_NAME)', '--namespace=$(POD_NAMESPACE)']));
  });

  it('both: liveness on /healthz and readiness on /readyz', () => {
    for (const c of [controller.containers[0]!, speaker.containers[0]!]) {
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    }
  });

  it('controller: leader election on, namespace from the downward API', () => {
    const c = controller.containers[0]!;
    expect(c.args).toEqual(expect.arrayContaining(['--leader-elect', '--namespace=$(POD_NAMESPACE)']));
    expect(c.env?.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
  });

  it('speaker: tolerates control-plane taints and has a grace period to send `leaving`', () => {
    expect(speaker.tolerations).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }),
    ]));
    expect(speaker.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(5);
  });
});

it('defaults: two controller replicas', () => {
  expect((only(render(), 'Deployment')['spec'] as { replicas: number }).replicas).toBe(2);
});
