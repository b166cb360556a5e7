import { runCli } from './program';

// `npm run cli -- …`: one process per command; an unexpected failure prints its message (never a stack) and exits 1.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
