import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { ApiExchange } from '../../../src/xero-sim';

/**
 * Validates recorded simulator exchanges against Xero's own OpenAPI document. ajv compiles the document's schemas
 * in place (so every `$ref` resolves inside Xero's file); this module only finds the operation and feeds ajv the
 * request headers, path and query parameters, request body and response body.
 * (openapi-backend was the first choice, but its ref-parser dependency ships as ESM that ts-jest cannot load.)
 */
// Xero's own document, vendored unmodified (with its SOURCE.md and MIT licence) so a clone is self-contained;
// it is the same file as ../shared/xero-openapi/xero_accounting.yaml.
export const OPENAPI_PATH = path.resolve(__dirname, '../../fixtures/xero-openapi/xero_accounting.yaml');

/** Statuses Xero's document does not describe for these operations (gateway answers); their bodies are tested directly. */
const UNDOCUMENTED_OK = new Set([401, 403, 404, 413, 429, 500, 502, 503]);
const DOC_ID = 'xero';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an untyped YAML document

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  pointer: string;
  schema: Json;
}

interface Operation {
  id: string;
  method: string;
  regex: RegExp;
  literalSegments: number;
  pathNames: string[];
  parameters: Parameter[];
  pointer: string;
  op: Json;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

class OpenApiDocument {
  readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  readonly operations: Operation[] = [];

  constructor(readonly doc: Json) {
    addFormats(this.ajv);
    // OpenAPI's numeric/binary formats carry no extra constraint for JSON values.
    for (const format of ['double', 'float', 'int32', 'int64', 'byte', 'binary'])
      this.ajv.addFormat(format, true);
    this.ajv.addSchema(doc, DOC_ID);
    for (const [template, item] of Object.entries(doc.paths as Json)) this.addPath(template, item as Json);
  }

  /** Follows a `$ref` inside the document; returns the target and its JSON pointer. */
  deref(node: Json, pointer: string): { node: Json; pointer: string } {
    let current = { node, pointer };
    while (typeof current.node.$ref === 'string') {
      const ref = current.node.$ref as string;
      const target = ref
        .slice(1)
        .split('/')
        .slice(1)
        .reduce<Json>((n, s) => n[s.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
      current = { node: target, pointer: ref.slice(1) };
    }
    return current;
  }

  private addPath(template: string, item: Json): void {
    const base = `/paths/${escapePointer(template)}`;
    const names: string[] = [];
    const regex = new RegExp(
      `^${template.replace(/\{([^}]+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))}$`,
      'i',
    );
    const shared = ((item.parameters ?? []) as Json[]).map((p, i) =>
      this.parameter(p, `${base}/parameters/${i}`),
    );
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const own = ((op.parameters ?? []) as Json[]).map((p, i) =>
        this.parameter(p, `${base}/${method}/parameters/${i}`),
      );
      this.operations.push({
        id: op.operationId as string,
        method,
        regex,
        literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        pathNames: names,
        parameters: [...shared, ...own],
        pointer: `${base}/${method}`,
        op,
      });
    }
  }

  private parameter(raw: Json, pointer: string): Parameter {
    const { node, pointer: at } = this.deref(raw, pointer);
    return {
      name: node.name,
      in: node.in,
      required: !!node.required,
      pointer: `${at}/schema`,
      schema: node.schema ?? {},
    };
  }

  match(method: string, path: string): { operation: Operation; params: Record<string, string> } | undefined {
    const candidates = this.operations
      .filter((o) => o.method === method && o.regex.test(path))
      .sort((a, b) => b.literalSegments - a.literalSegments);
    const operation = candidates[0];
    if (!operation) return undefined;
    const values = operation.regex.exec(path)?.slice(1) ?? [];
    return {
      operation,
      params: Object.fromEntries(operation.pathNames.map((n, i) => [n, decodeURIComponent(values[i] ?? '')])),
    };
  }

  validator(pointer: string): ValidateFunction {
    const fn = this.ajv.getSchema(`${DOC_ID}#${pointer}`);
    if (!fn) throw new Error(`no schema at ${pointer}`);
    return fn;
  }
}

let loaded: OpenApiDocument | undefined;
function openApi(): OpenApiDocument {
  loaded ??= new OpenApiDocument(parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json);
  return loaded;
}

/** Query and header values arrive as text: coerce them by the parameter's schema (form style, explode false). */
function coerce(value: string, schema: Json): unknown {
  if (schema.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  if (schema.type === 'integer' || schema.type === 'number')
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (schema.type === 'array') return value.split(',');
  return value;
}

function describe(e: ApiExchange): string {
  return `${e.method} ${e.path}${e.rawQuery ? `?${e.rawQuery}` : ''} -> ${e.status}`;
}

function check(
  api: OpenApiDocument,
  validate: ValidateFunction,
  value: unknown,
  label: string,
  problems: string[],
): void {
  if (!validate(value)) problems.push(`${label}: ${JSON.stringify(validate.errors).slice(0, 600)}`);
}

function validateRequest(
  api: OpenApiDocument,
  e: ApiExchange,
  operation: Operation,
  params: Record<string, string>,
  problems: string[],
): void {
  const query = new URLSearchParams(e.rawQuery);
  for (const name of query.keys()) {
    if (!operation.parameters.some((p) => p.in === 'query' && p.name === name))
      problems.push(`${describe(e)}: unknown query parameter ${name}`);
  }
  for (const p of operation.parameters) {
    const raw =
      p.in === 'query'
        ? query.get(p.name)
        : p.in === 'header'
          ? e.headers[p.name.toLowerCase()]
          : p.in === 'path'
            ? params[p.name]
            : undefined;
    if (raw === undefined || raw === null) {
      if (p.required) problems.push(`${describe(e)}: missing required ${p.in} parameter ${p.name}`);
      continue;
    }
    check(api, api.validator(p.pointer), coerce(raw, p.schema), `${describe(e)} ${p.in} ${p.name}`, problems);
  }
  const body = operation.op.requestBody as Json | undefined;
  if (!body) return;
  const { node, pointer } = api.deref(body, `${operation.pointer}/requestBody`);
  if (e.requestBody === undefined) {
    if (node.required) problems.push(`${describe(e)}: missing request body`);
    return;
  }
  check(
    api,
    api.validator(`${pointer}/content/application~1json/schema`),
    e.requestBody,
    `${describe(e)} request body`,
    problems,
  );
}

function responsePointer(api: OpenApiDocument, operation: Operation, status: number): string | undefined {
  const response = (operation.op.responses as Json | undefined)?.[String(status)] as Json | undefined;
  if (!response) return undefined;
  const { node, pointer } = api.deref(response, `${operation.pointer}/responses/${status}`);
  return node.content?.['application/json']?.schema
    ? `${pointer}/content/application~1json/schema`
    : undefined;
}

export function validateExchange(e: ApiExchange): string[] {
  const api = openApi();
  const matched = api.match(e.method.toLowerCase(), e.path);
  if (!matched) return [`${describe(e)}: no operation in the OpenAPI document`];
  const { operation, params } = matched;
  const problems: string[] = [];
  const body = e.responseBody as { Type?: string } | undefined;
  // Deliberately broken requests (bad JSON, no credentials) are what their tests send; only their answers matter.
  const deliberate = e.status === 401 || e.status === 403 || body?.Type === 'PostDataInvalidException';
  if (!deliberate) validateRequest(api, e, operation, params, problems);
  const documented = responsePointer(api, operation, e.status);
  if (documented) check(api, api.validator(documented), e.responseBody, `${describe(e)} response`, problems);
  else if (e.status === 400)
    check(
      api,
      api.validator('/components/schemas/Error'),
      e.responseBody,
      `${describe(e)} response`,
      problems,
    );
  else if (!UNDOCUMENTED_OK.has(e.status))
    problems.push(`${describe(e)}: status not documented for ${operation.id}`);
  return problems;
}

export interface Conformance {
  record(exchange: ApiExchange): void;
  /** Validates everything recorded since the last call; returns the problems found. */
  drain(): string[];
  checked: number;
}

export function createConformance(): Conformance {
  let pending: ApiExchange[] = [];
  const conformance: Conformance = {
    checked: 0,
    record: (exchange) => void pending.push(exchange),
    drain: () => {
      const batch = pending;
      pending = [];
      conformance.checked += batch.length;
      return batch.flatMap(validateExchange);
    },
  };
  return conformance;
}
