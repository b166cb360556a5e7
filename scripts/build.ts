/**
 * `npm run build`: the production build, run once where the image is built.
 * 1. tsc compiles the service (src/, workflows/, activities/) with tsconfig.build.json;
 * 2. the SQL migrations are copied beside their compiled runner (src/db/migrate.ts reads them from there);
 * 3. the workflow code is bundled once, from the compiled workflows, into <out>/workflow-bundle.js, which the
 *    compiled worker loads (src/worker.ts `workflowSource`) instead of running webpack at every start.
 *
 *   npm run build                  # into dist/
 *   npm run build -- --out DIR     # elsewhere; inside the repository, so that node_modules still resolves
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_FILE } from '../src/worker';

const root = path.resolve(__dirname, '..');

function outDir(): string {
  const i = process.argv.indexOf('--out');
  return path.resolve(root, i >= 0 ? (process.argv[i + 1] ?? '') : 'dist');
}

async function main(): Promise<void> {
  const out = outDir();
  if (out === root) throw new Error('--out must not be the repository itself');
  const started = Date.now();
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out],
    { cwd: root, stdio: 'inherit' },
  );
  cpSync(path.join(root, 'src/db/migrations'), path.join(out, 'src/db/migrations'), {
    recursive: true,
    filter: (file) => statSync(file).isDirectory() || file.endsWith('.sql'),
  });
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(out, 'workflows/index.js'),
    logger: new DefaultLogger('WARN'),
  });
  const bundle = path.join(out, WORKFLOW_BUNDLE_FILE);
  writeFileSync(bundle, code);
  const kib = Math.round(Buffer.byteLength(code) / 1024);
  console.log(
    `Built ${path.relative(root, out) || out} in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(workflow bundle ${path.relative(root, bundle)}, ${kib} KiB).`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
