import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigSchema } from '../../src/config';

const root = path.resolve(__dirname, '../..');
const schemaKeys = new Set(Object.keys(ConfigSchema.shape));

describe('deployment files', () => {
  it('docker-compose.yml sets only variables the config schema knows, for the API and the worker', () => {
    const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, unknown>; build?: unknown }>;
    };
    const ours = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    for (const [, service] of ours) {
      const unknown = Object.keys(service.environment ?? {}).filter((k) => !schemaKeys.has(k));
      expect(unknown).toEqual([]);
    }
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui']),
    );
  });

  it('.env.example documents every configuration variable and nothing else', () => {
    const documented = readFileSync(path.join(root, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0]);
    expect(new Set(documented)).toEqual(schemaKeys);
  });
});
