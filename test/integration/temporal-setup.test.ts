import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/definitions';
import { requireEnv } from '../support/harness';

const root = path.resolve(__dirname, '../..');
const TYPES = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * The compose file's `temporal-namespace` step (deploy/temporal/setup-namespace.sh, run by temporalio/admin-tools)
 * runs here against the tests' Temporal server, with the same `temporal` CLI commands admin-tools carries and the
 * environment docker-compose.yml gives it, in a namespace of its own.
 */
describe('Temporal namespace setup (docker-compose.yml temporal-namespace)', () => {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'xms-admin-tools-'));
  const namespace = `setup-${randomBytes(4).toString('hex')}`;
  let connection: Connection;
  beforeAll(async () => {
    symlinkSync(requireEnv('TEST_TEMPORAL_CLI'), path.join(bin, 'temporal'));
    connection = await Connection.connect({ address: requireEnv('TEST_TEMPORAL_ADDRESS') });
  });
  afterAll(async () => {
    await connection?.close();
    rmSync(bin, { recursive: true, force: true });
  });

  const runSetup = () => {
    const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const env = compose.services['temporal-namespace']!.environment;
    return promisify(execFile)('sh', [path.join(root, 'deploy/temporal/setup-namespace.sh')], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: os.homedir(),
        TEMPORAL_ADDRESS: requireEnv('TEST_TEMPORAL_ADDRESS'),
        NAMESPACE: namespace,
        NAMESPACE_RETENTION: '3d',
        SEARCH_ATTRIBUTES: env.SEARCH_ATTRIBUTES!,
      },
    });
  };

  it('creates the namespace and registers every search attribute the code defines, and a second run changes nothing', async () => {
    const first = await runSetup();
    expect(first.stdout).toContain(`Namespace ${namespace}: created (retention 3d)`);
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    for (const a of SEARCH_ATTRIBUTE_REGISTRATIONS)
      expect({ name: a.name, type: listed.customAttributes?.[a.name] }).toEqual({
        name: a.name,
        type: TYPES[a.type],
      });
    const described = await connection.workflowService.describeNamespace({ namespace });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(3 * 86_400);

    const second = await runSetup();
    expect(second.stdout).toContain(`Namespace ${namespace}: exists`);
    for (const a of SEARCH_ATTRIBUTE_REGISTRATIONS)
      expect(second.stdout).toContain(`Search attribute ${a.name}: exists`);
    expect(second.stdout).not.toContain('registered');
  }, 60_000);
});
