import type { EmbeddedCluster } from '../../src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as { __SODIEM_PG__?: EmbeddedCluster }).__SODIEM_PG__;
  if (cluster) await cluster.stop();
}
