import { rmSync } from 'node:fs';
import type { DevServerHandle } from '../../src/temporal/dev-server';
import type { EmbeddedPostgresHandle } from '../../src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as Record<string, unknown>).__xmsTestServers as
    { temporal: DevServerHandle; pg: EmbeddedPostgresHandle; scratch: string } | undefined;
  if (!servers) return;
  await Promise.allSettled([servers.temporal.stop(), servers.pg.stop()]);
  rmSync(servers.scratch, { recursive: true, force: true });
}
