import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigSchema } from '../../src/config';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/definitions';

/**
 * No Docker engine runs here, so the deployment files are checked by reading them: the compose file as YAML
 * (merge keys resolved, as Compose does), the Dockerfile stage by stage. Each check names what a broken file
 * would do in production.
 */
const root = path.resolve(__dirname, '../..');
const schemaKeys = new Set(Object.keys(ConfigSchema.shape));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[]; disable?: boolean };
  profiles?: string[];
  volumes?: string[];
  ports?: string[];
}

const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const ours = Object.entries(services).filter(([, s]) => s.build !== undefined);
const words = (v: string[] | string | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));

/** `node … dist/X.js` in a command: X must be built from the source file X.ts. */
function entryPoints(command: string): string[] {
  return [...command.matchAll(/\bnode\b[^;\n]*?\s(dist\/\S+\.js)/g)].map((m) => m[1]!);
}
function sourceOf(entry: string): string {
  return entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
}

/** The script a one-shot admin-tools service runs, read through its /scripts volume. */
function scriptOf(service: Service): string {
  const mount = (service.volumes ?? []).find((v) => v.split(':')[1] === '/scripts');
  const script = words(service.entrypoint).match(/\/scripts\/(\S+\.sh)/)?.[1];
  if (!mount || !script) throw new Error('the service runs no mounted /scripts/*.sh');
  return read(path.join(mount.split(':')[0]!, script));
}

describe('docker-compose.yml', () => {
  it('runs Temporal on temporalio/server at a pinned version, with admin-tools of the same version, and no auto-setup image', () => {
    const images = Object.values(services).map((s) => s.image ?? '');
    expect(images.filter((i) => /auto-setup/.test(i))).toEqual([]);
    expect(composeText).not.toMatch(/temporalio\/auto-setup/);
    const temporal = images.filter((i) => i.startsWith('temporalio/'));
    // A floating tag would change the server (and its schema) under a running cluster.
    for (const image of temporal) expect(image).toMatch(/^temporalio\/[a-z-]+:\d+\.\d+\.\d+$/);
    const server = services.temporal!.image!;
    expect(server).toMatch(/^temporalio\/server:/);
    // The schema belongs to a server version: the admin-tools that set it up must be the same release.
    const version = server.split(':')[1];
    for (const image of temporal.filter((i) => i.startsWith('temporalio/admin-tools')))
      expect(image).toBe(`temporalio/admin-tools:${version}`);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });

  it('sets Temporal up with one-shot admin-tools steps: the schema before the server, then the namespace and every search attribute the code defines', () => {
    const schema = services['temporal-schema']!;
    expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
    // Both of Temporal's databases, brought to the schema this admin-tools release carries.
    const schemaScript = scriptOf(schema);
    expect(schemaScript).toMatch(/update-schema -d "\$\{SCHEMA_DIR\}\/\$2\/versioned"/);
    expect(schemaScript).toMatch(/^setup "[^"]+" temporal$/m);
    expect(schemaScript).toMatch(/^setup "[^"]+" visibility$/m);
    expect(services.temporal!.depends_on?.['temporal-schema']?.condition).toBe(
      'service_completed_successfully',
    );

    const setup = services['temporal-namespace']!;
    expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
    expect(setup.depends_on?.temporal?.condition).toBe('service_healthy');
    const registered = String(setup.environment?.SEARCH_ATTRIBUTES).split(/\s+/).filter(Boolean).sort();
    expect(registered).toEqual(SEARCH_ATTRIBUTE_REGISTRATIONS.map((a) => `${a.name}=${a.type}`).sort());
    const script = scriptOf(setup);
    expect(script).toMatch(/for attribute in \$\{SEARCH_ATTRIBUTES\}/);
    expect(script).toMatch(/temporal operator search-attribute create/);
    expect(script).toMatch(/temporal operator namespace create/);
    // Our processes start only once the namespace and its search attributes exist.
    for (const name of ['api', 'worker'])
      expect(services[name]!.depends_on?.['temporal-namespace']?.condition).toBe(
        'service_completed_successfully',
      );
  });

  it('runs the API with 2 replicas and the worker with 3, each with its health check, once PostgreSQL is healthy', () => {
    expect(services.api!.deploy?.replicas).toBe(2);
    expect(services.worker!.deploy?.replicas).toBe(3);
    expect(words(services.api!.healthcheck?.test)).toMatch(/dist\/src\/healthcheck\.js api$/);
    expect(words(services.worker!.healthcheck?.test)).toMatch(/dist\/src\/healthcheck\.js worker$/);
    // The worker's health check asks the worker's own port, so that port must be served.
    expect(services.worker!.environment?.WORKER_HTTP_PORT).toBeDefined();
    for (const name of ['api', 'worker'])
      expect(services[name]!.depends_on?.postgres?.condition).toBe('service_healthy');
    // Two replicas cannot share one host port: one per replica.
    expect(services.api!.ports).toEqual(['3000-3001:3000']);
    for (const name of ['postgres', 'temporal']) expect(services[name]!.healthcheck?.test).toBeDefined();
  });

  it('runs node on the compiled code for every process of this service, each entry point built from a source file', () => {
    const entries = ours.flatMap(([, s]) =>
      entryPoints(`${words(s.command)} ${words(s.entrypoint)} ${words(s.healthcheck?.test)}`),
    );
    expect(entries).toEqual(
      expect.arrayContaining(['dist/src/api/main.js', 'dist/src/worker.js', 'dist/src/cli/main.js']),
    );
    for (const entry of entries) expect(existsSync(path.join(root, sourceOf(entry)))).toBe(true);
    expect(composeText).not.toMatch(/\btsx\b|npm run (api|worker|cli)/);
  });

  it('sets only variables the config schema knows, for every service built from this project', () => {
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'demo-seed', 'worker', 'xero-sim']);
    for (const [name, service] of ours) {
      const unknown = Object.keys(service.environment ?? {}).filter((k) => !schemaKeys.has(k));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('gives no secret a default', () => {
    const secret = /PASSWORD|SECRET|KEY|TOKEN|PWD/;
    // ${NAME:?message} (required) or ${NAME:-} (empty: unset) only; never ${NAME:-something} or ${NAME}.
    for (const m of composeText.matchAll(/\$\{([A-Z_]+)([^}]*)\}/g))
      if (secret.test(m[1]!)) expect(`${m[1]}${m[2]}`).toMatch(/^[A-Z_]+(:\?.+|:-)$/);
    // And no secret written into the file: every secret-named variable is interpolated.
    for (const service of Object.values(services))
      for (const [key, value] of Object.entries(service.environment ?? {}))
        if (secret.test(key) && key !== 'TOKEN_ENCRYPTION_OLD_KEYS') expect(String(value)).toMatch(/\$\{/);
    expect(services.postgres!.environment?.POSTGRES_PASSWORD).toBe(
      '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}',
    );
  });

  it('has a demo profile that adds only the Xero simulator and the seeding of the demo business', () => {
    const demo = Object.entries(services).filter(([, s]) => s.profiles?.includes('demo'));
    expect(demo.map(([name]) => name).sort()).toEqual(['demo-seed', 'xero-sim']);
    // Everything else runs without a profile: `docker compose up` is the production shape.
    for (const [name, s] of Object.entries(services))
      if (!demo.some(([d]) => d === name)) expect({ name, profiles: s.profiles }).toEqual({ name });
    const sim = services['xero-sim']!;
    expect(words(sim.command)).toMatch(/^node dist\/src\/xero-sim\/main\.js --host 0\.0\.0\.0 --port 4010$/);
    const seed = words(services['demo-seed']!.command);
    expect(seed).toMatch(/cli\/main\.js orders seed/);
    expect(seed).toMatch(/cli\/main\.js business connect-custom --business biz_demo --client-id demo-client/);
    expect(seed).toMatch(/cli\/main\.js keys create --business biz_demo/);
    expect(services['demo-seed']!.depends_on?.['xero-sim']?.condition).toBe('service_healthy');
    // Unconfigured, the processes talk to that simulator: nothing reaches a real Xero by accident.
    for (const name of ['api', 'worker', 'demo-seed']) {
      expect(services[name]!.environment?.XERO_API_URL).toBe(
        '${XERO_API_URL:-http://xero-sim:4010/api.xro/2.0}',
      );
      expect(services[name]!.environment?.XERO_IDENTITY_URL).toBe(
        '${XERO_IDENTITY_URL:-http://xero-sim:4010}',
      );
    }
  });
});

interface Stage {
  name: string;
  from: string;
  instructions: Array<{ op: string; args: string }>;
}

/** The Dockerfile's stages, continuation lines joined and comments dropped. */
function dockerStages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from: m[1]!, name: m[2] ?? String(stages.length), instructions: [] });
    } else stages.at(-1)?.instructions.push({ op: op!.toUpperCase(), args });
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const runtime = stages.at(-1)!;
  const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);
  const stage = (name: string) => stages.find((s) => s.name === name)!;

  it('builds in its own stage and runs a slim runtime stage with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toMatch(/^node:\d+-[a-z]+-slim$/);
    const copies = all(runtime, 'COPY');
    const from = (what: string) => copies.find((c) => new RegExp(`^--from=\\S+ /app/${what} `).test(c));
    const distStage = stage(/--from=(\S+)/.exec(from('dist')!)![1]!);
    expect(all(distStage, 'RUN')).toContain('npm run build');
    const depsStage = stage(/--from=(\S+)/.exec(from('node_modules')!)![1]!);
    expect(all(depsStage, 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);
    // Nothing else of the sources or the build's dependencies reaches the runtime stage.
    expect(all(runtime, 'RUN')).toEqual([]);
    expect(copies.filter((c) => !c.startsWith('--from='))).toEqual(['package.json ./']);
  });

  it("runs node on dist/ as a non-root user, with a health check of the API's /healthz", () => {
    const user = all(runtime, 'USER');
    expect(user.length).toBeGreaterThan(0);
    expect(user.at(-1)).not.toMatch(/^(root|0)(:.*)?$/);
    const order = runtime.instructions.map((i) => i.op);
    expect(order.lastIndexOf('USER')).toBeLessThan(order.lastIndexOf('CMD'));
    const cmd = JSON.parse(all(runtime, 'CMD').at(-1)!) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toMatch(/^dist\/.+\.js$/);
    expect(existsSync(path.join(root, sourceOf(cmd.at(-1)!)))).toBe(true);
    expect(all(runtime, 'HEALTHCHECK').at(-1)).toMatch(
      /CMD \["node", "dist\/src\/healthcheck\.js", "api"\]$/,
    );
    expect(existsSync(path.join(root, 'src/healthcheck.ts'))).toBe(true);
  });

  it('keeps dependencies, local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data', '.env', '.git']));
  });

  it('sets only variables the config schema knows', () => {
    const env = all(runtime, 'ENV').flatMap((a) => [...a.matchAll(/([A-Z_]+)=/g)].map((m) => m[1]!));
    expect(env.length).toBeGreaterThan(0);
    expect(env.filter((k) => !schemaKeys.has(k))).toEqual([]);
  });
});

describe('.env.example', () => {
  it('documents every configuration variable and nothing else', () => {
    const documented = read('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0]);
    expect(new Set(documented)).toEqual(schemaKeys);
  });
});
