/** The CLI's entry point (what `npm run cli` runs), for tests that run it as a process of its own. */
export const CLI_ENTRY = 'src/cli/main.ts';
