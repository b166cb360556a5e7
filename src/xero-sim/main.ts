import { HELP, parseCli } from './cli';
import { startXeroSim } from './index';

/** `npm run xero-sim -- --port 4010 [options]`: the simulator as a standalone process. */
async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(HELP);
    return;
  }
  const running = await startXeroSim(parsed.options);
  console.log(`Xero simulator listening on ${running.baseUrl} (time scale ${parsed.options.timeScale})`);
  console.log(`  API:         ${running.apiUrl}`);
  console.log(`  Token:       ${running.identityUrl}/connect/token   Connections: ${running.connectionsUrl}`);
  console.log(`  Inspection:  ${running.baseUrl}/__sim/stats`);
  for (const tenant of running.sim.tenants.values()) {
    console.log(
      `  Tenant ${tenant.tenantId}  ${tenant.name}  day resets at +${tenant.dayResetOffsetSeconds}s`,
    );
  }
  const stop = (): void => void running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
