// A kubeconfig (or in-cluster set-up) that cannot work: the message says what to fix.
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}
