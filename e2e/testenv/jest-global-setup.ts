export default async function globalS(): Promise<void> { throw new Error('e2e/testenv: not built yet'); }
