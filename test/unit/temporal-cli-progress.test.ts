import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveTemporalCli } from '../../src/temporal/dev-server';

/**
 * The first `npm start` builds the Temporal CLI with Go for minutes: its progress must reach the terminal while it
 * runs (not all at once when it ends), and Go's "go: downloading" lines come as a count, not a wall of them. The
 * real scripts/temporal-cli.sh runs here with a fake `go` first on PATH and an empty cache.
 */
const repoRoot = path.resolve(__dirname, '../..');

/** A `go` that reports 1.25, "downloads" 60 modules over a second and a half, then installs a fake temporal. */
const FAKE_GO = `#!/usr/bin/env bash
case "$1" in
  env) echo go1.25.0 ;;
  version) echo "go version go1.25.0 linux/amd64" ;;
  install)
    for i in $(seq 1 60); do echo "go: downloading example.com/module$i v1.0.0" >&2; sleep 0.025; done
    printf '#!/usr/bin/env bash\\necho "temporal version 1.5.1"\\n' > "$GOBIN/temporal"
    chmod +x "$GOBIN/temporal" ;;
esac
`;

describe('the Temporal CLI build, as npm start runs it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'temporal-cli-'));
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin/go'), FAKE_GO);
    chmodSync(path.join(dir, 'bin/go'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams the build’s progress while it runs, counting Go’s downloads, and answers the built path', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`,
      XDG_CACHE_HOME: path.join(dir, 'cache'),
    };
    delete env.TEMPORAL_CLI;
    const seen: Array<{ at: number; text: string }> = [];
    {
      const cli = await resolveTemporalCli(
        repoRoot,
        { write: (chunk: string | Uint8Array) => seen.push({ at: Date.now(), text: String(chunk) }) > 0 },
        env,
      );
      const done = Date.now();
      expect(cli).toBe(path.join(dir, 'cache/xero-manual-sync/temporal-cli/1.5.1/temporal'));
      const text = seen.map((s) => s.text).join('');
      expect(text).toContain('[temporal-cli] building Temporal CLI v1.5.1');
      expect(text).toContain('[temporal-cli] downloading Go modules: 1 so far');
      expect(text).toContain('[temporal-cli] downloading Go modules: 51 so far');
      expect(text).not.toContain('go: downloading');
      // The first line arrived while the build still ran (it takes about 1.5 s), not with its end.
      expect(done - seen[0]!.at).toBeGreaterThan(700);
    }
  }, 30_000);
});
