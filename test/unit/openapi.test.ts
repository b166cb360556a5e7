import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPERATIONS, openApiDocument } from '../../src/api/app';

const VALIDATOR = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');

/** Runs the OpenAPI 3.1 schema validator (a separate ESM CLI) on a document; its JSON verdict. */
function validate(document: unknown): { valid: boolean; errors?: unknown } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  try {
    return JSON.parse(execFileSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8' })) as {
      valid: boolean;
    };
  } catch (err) {
    return JSON.parse(String((err as { stdout: string }).stdout)) as { valid: boolean; errors: unknown };
  }
}

describe('the OpenAPI document', () => {
  const document = openApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  };

  it('is a valid OpenAPI 3.1 document according to an OpenAPI schema validator', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(validate(document)).toEqual({ valid: true });
  });

  it('is refused by the same validator once broken (negative control)', () => {
    const broken = structuredClone(document);
    (broken.paths['/healthz']!.get as { responses: unknown }).responses = 'none';
    expect(validate(broken).valid).toBe(false);
  });

  it('lists every operation the API mounts, each with a unique operationId', () => {
    const ids = Object.values(document.paths).flatMap((ops) =>
      Object.values(ops).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(OPERATIONS.length);
    expect(ids.sort()).toEqual(OPERATIONS.map((op) => op.operationId).sort());
  });

  it('documents problem+json errors and the bearer key on /api operations', () => {
    const submit = document.paths['/api/sync-requests']!.post as unknown as {
      responses: Record<string, { content?: Record<string, unknown> }>;
      security?: unknown;
    };
    expect(Object.keys(submit.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '404', '413', '500']),
    );
    expect(Object.keys(submit.responses['400']!.content!)).toEqual(['application/problem+json']);
    expect(submit.security).toBeUndefined(); // the document's default: bearer key
    expect((document.paths['/healthz']!.get as unknown as { security: unknown }).security).toEqual([]);
  });
});
