// What the speaker program (main.ts) gives the speaker (app.ts): flags, resolved.
import type { PodRef } from '../shared/config-state/status.js';
import type { KubeClient } from '../shared/k8s/client.js';
import type { Logger } from '../shared/log.js';
import type { SelectionRules } from './interfaces/index.js';

export interface SpeakerConfig {
  /** The API client (shared/k8s/client.ts: one keep-alive connection pool for every call). */
  readonly kc: KubeClient;
  readonly namespace: string;
  readonly nodeName: string;
  readonly lbClass: string;
  readonly metricsPort: number;
  readonly metricsHost?: string;
  readonly heartbeatPort: number;
  readonly heartbeatSecret: string;
  readonly speakerSelector: string;
  readonly heartbeatIntervalMs: number;
  readonly deadAfterMs: number;
  readonly interfaceRules?: SelectionRules;
  readonly verifySourceAddress?: boolean;
  /** Announce spec.externalIPs inside a pool the Service may use (off by default: CVE-2020-8554). */
  readonly announceExternalIps?: boolean;
  /**
   * Spread the flows of Services that ask for it (l2lb.io/spread-flows) over their nodes with
   * nftables rules on the owner (needs CAP_NET_ADMIN and the nft binary). Off: never touches nft.
   */
  readonly spreadFlows?: boolean;
  /** The speaker's Pod (downward API): owner of its ConfigurationState. */
  readonly pod?: PodRef | undefined;
  readonly log: Logger;
  /**
   * This node can no longer tell whether it owns anything (the heartbeat thread died). The
   * speaker has already stopped answering; the program should stop it and exit so the Pod restarts.
   */
  readonly onFatal: (err: Error) => void;
}
