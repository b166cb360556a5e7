/**
 * Replays a saved workflow history against the current workflow code, in a plain Node process: under Jest's
 * module registry, protobufjs type checks in the SDK's history parser fail ("type must be a Type").
 * Usage: node --import tsx test/support/replay-history.ts HISTORY.json [--bundle WORKFLOW_BUNDLE.js]
 * With --bundle, the history is replayed against a bundle `npm run build` made (what production runs) rather
 * than against the sources.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

async function main(file: string, bundle: string | undefined): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const history: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const code = bundle
    ? { workflowBundle: { codePath: path.resolve(bundle) } }
    : { workflowsPath: require.resolve(path.resolve(__dirname, '../../workflows')) };
  await Worker.runReplayHistory(code, history, path.basename(file));
  console.log(`replayed ${file}${bundle ? ` against ${bundle}` : ''}`);
}

const bundleAt = process.argv.indexOf('--bundle');
main(process.argv[2] ?? '', bundleAt > 0 ? process.argv[bundleAt + 1] : undefined).catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
