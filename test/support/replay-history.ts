/**
 * Replays a saved workflow history against the current workflow code, in a plain Node process: under Jest's
 * module registry, protobufjs type checks in the SDK's history parser fail ("type must be a Type").
 * Usage: node --import tsx test/support/replay-history.ts HISTORY.json
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

async function main(file: string): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const history: unknown = JSON.parse(readFileSync(file, 'utf8'));
  await Worker.runReplayHistory(
    { workflowsPath: require.resolve(path.resolve(__dirname, '../../workflows')) },
    history,
    path.basename(file),
  );
  console.log(`replayed ${file}`);
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
