// Stops the integration suite's control plane, whatever the tests did. (No relative imports: see
// jest-global-setup.ts.)
export default async function globalTeardown(): Promise<void> {
  const cp = globalThis.__L2LB_TESTENV__;
  globalThis.__L2LB_TESTENV__ = undefined;
  delete process.env['L2LB_TESTENV_FILE'];
  await cp?.stop();
}
