// Keeps one ConfigurationState object current: report() the component's configuration errors
// whenever its configuration changes; the writer creates the object if missing, rewrites its
// status only when it differs, retries failed writes, and remove() deletes it when the component
// stops (SIGTERM), so `kubectl get configurationstates` lists only running components. In a Pod the
// object is owned by that Pod, so one that dies without cleaning up (SIGKILL, node removed,
// uninstall) is garbage-collected with its Pod; a new writer (the next controller leader, a
// replaced speaker Pod) takes the ownership over before it writes.
import { METALLB_API_VERSION } from '../api/types.js';
import { apiStatus, describeApiError, type KubeClient } from '../k8s/client.js';
import { metallbObjectPath, metallbPath } from '../k8s/custom.js';
import type { Logger } from '../log.js';
import { desiredOwners, desiredStatus, stateObject, statusEqual, type Component, type ConfigurationState, type PodRef } from './status.js';

const plural = 'configurationstates';
const RETRY_MS = 2_000;

export type WriteCounter = (verb: 'create' | 'update' | 'delete', resource: string) => void;

export class ConfigurationStateWriter {
  private readonly name: string;
  private readonly labels: Record<string, string>;
  private errors: readonly string[] | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    component: Component,
    private readonly log: Logger,
    private readonly countWrite: WriteCounter = () => {},
    private readonly owner?: PodRef,
  ) {
    ({ name: this.name, labels: this.labels } = stateObject(component));
  }

  /** The component's current configuration errors (empty: valid). Cheap when nothing changed. */
  report(errors: readonly string[]): void {
    if (this.stopped) return;
    if (this.errors !== undefined && this.errors.join('\n') === errors.join('\n')) return;
    this.errors = [...errors];
    void this.sync();
  }

  /** Stops writing and deletes the object (404 counts as done). */
  async remove(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    try {
      await this.client.delete(metallbObjectPath(this.namespace, plural, this.name));
      this.countWrite('delete', plural);
    } catch (err) {
      if (apiStatus(err) !== 404) this.log.warn('configurationStateDeleteFailed', 'could not delete ConfigurationState', { name: this.name, error: describeApiError(err) });
    }
  }

  /** Stops writing, leaving the object as it is (a standby controller replica). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private async sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        if (this.stopped || this.errors === undefined) return;
        const ok = await this.writeOnce(this.errors);
        if (!ok && !this.stopped) {
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => void this.sync(), RETRY_MS);
          return;
        }
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  /** One read-modify-write; false when it should be retried later. */
  private async writeOnce(errors: readonly string[]): Promise<boolean> {
    const path = metallbObjectPath(this.namespace, plural, this.name);
    try {
      let current: ConfigurationState;
      try {
        current = await this.client.get<ConfigurationState>(path);
      } catch (err) {
        if (apiStatus(err) !== 404) throw err;
        const owners = desiredOwners(this.owner, undefined);
        const metadata = { name: this.name, namespace: this.namespace, labels: this.labels, ...(owners ? { ownerReferences: owners } : {}) };
        current = await this.client.create<ConfigurationState>(metallbPath(this.namespace, plural), { apiVersion: METALLB_API_VERSION, kind: 'ConfigurationState', metadata });
        this.countWrite('create', plural);
      }
      const owners = desiredOwners(this.owner, current.metadata.ownerReferences);
      if (owners !== undefined) {
        current = await this.client.replace<ConfigurationState>(path, { ...current, metadata: { ...current.metadata, ownerReferences: owners } });
        this.countWrite('update', plural);
      }
      const desired = desiredStatus(errors, current.status, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
      if (statusEqual(current.status, desired)) return true;
      await this.client.replace(`${path}/status`, { ...current, status: desired });
      this.countWrite('update', `${plural}/status`);
      this.log.info('configurationState', 'ConfigurationState written', { name: this.name, result: desired.result, errorSummary: desired.errorSummary });
      return true;
    } catch (err) {
      // 409: created or changed meanwhile; read again at once.
      if (apiStatus(err) === 409) {
        this.again = true;
        return true;
      }
      this.log.warn('configurationStateWriteFailed', 'could not write ConfigurationState; trying again', { name: this.name, error: describeApiError(err), retryInMs: RETRY_MS });
      return false;
    }
  }
}
