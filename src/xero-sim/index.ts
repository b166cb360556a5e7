import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, API_PATH } from './server';
import { XeroSim } from './sim';
import { resolveOptions, type XeroSimOptions } from './options';

export { XeroSim } from './sim';
export type {
  XeroSimOptions,
  TenantSpec,
  ClientSpec,
  TenantLimits,
  ApiExchange,
  OrganisationSpec,
} from './options';
export {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_TENANT_ID,
  defaultOptions,
  resolveOptions,
} from './options';
export type { FaultRule } from './faults';
export type { SimStats, TenantStatsView } from './stats';
export type { TokenResponse } from './identity-store';

export interface RunningXeroSim {
  /** e.g. http://127.0.0.1:4010 */
  baseUrl: string;
  /** Set xero-node's `accountingApi.basePath` to this. */
  apiUrl: string;
  /** Token endpoint: `${identityUrl}/connect/token`; authorize: `${identityUrl}/identity/connect/authorize`. */
  identityUrl: string;
  connectionsUrl: string;
  port: number;
  sim: XeroSim;
  close(): Promise<void>;
}

/** Starts the simulator in this process. Port 0 picks a free port. */
export async function startXeroSim(options: Partial<XeroSimOptions> = {}): Promise<RunningXeroSim> {
  const resolved = resolveOptions(options);
  const sim = new XeroSim(resolved);
  const app = createApp(sim);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(resolved.port, resolved.host, (error?: Error) =>
      error ? reject(error) : resolve(s),
    );
  });
  // Idle connections outlive a client's (Node's agent drops its own after 5 s, as the server did by default): a
  // client reusing one as the server closes it got ECONNRESET, seen as a flaky refusal when the machine was busy.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${resolved.host}:${port}`;
  return {
    baseUrl,
    apiUrl: `${baseUrl}${API_PATH}`,
    identityUrl: baseUrl,
    connectionsUrl: `${baseUrl}/connections`,
    port,
    sim,
    close: () =>
      new Promise<void>((resolve) => {
        sim.shutdown();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
