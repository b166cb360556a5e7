import { z } from 'zod';

/**
 * Text that may be stored and shown: no control characters (C0, DEL, C1) and no lone UTF-16 surrogates.
 * PostgreSQL refuses NUL in text and in jsonb ("unsupported Unicode escape sequence") and a lone surrogate in
 * jsonb, so such a value would fail a whole statement; the others would reach a terminal or Xero as they are.
 * Checked at every edge (API, import), so nothing below sees one.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** The JSON Schema pattern of such text, so generated documents (and fuzzers) know the rule too. */
// eslint-disable-next-line no-control-regex
export const PRINTABLE_PATTERN = /^[^\u0000-\u001f\u007f-\u009f]*$/;

export const CONTROL_MESSAGE = 'must not contain control characters such as NUL, tab or newline; remove them';

/** Why `text` is not printable text (naming the first offending character and where), or undefined. */
export function unprintable(text: string): string | undefined {
  const match = CONTROL.exec(text);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `must not contain control characters (U+${code} at position ${match.index + 1}); remove them`;
  }
  if (LONE_SURROGATE.test(text))
    return 'must be valid Unicode text (it contains a lone UTF-16 surrogate, \\uD800–\\uDFFF); remove it';
  return undefined;
}

/** A zod string that refuses control characters and lone surrogates (its pattern goes into the document). */
export function printable(): z.ZodString {
  return z
    .string()
    .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE)
    .refine((s) => !LONE_SURROGATE.test(s), {
      message: 'must be valid Unicode text (no lone UTF-16 surrogates)',
    });
}

/**
 * How deep a JSON value may nest. No field of this API or of the import format nests deeper than about 6; the
 * bound keeps every later walk (zod, the logger, jsonb) shallow, and is far above anything legitimate.
 */
export const MAX_JSON_DEPTH = 32;

export const TOO_DEEP_MESSAGE = `is nested more than ${MAX_JSON_DEPTH} levels deep; no field nests that deep: send the documented shape`;

/**
 * Every unprintable string in a parsed JSON value, keys included, with its path (`lines.0.description`,
 * `taxTypes.<key>` for a key), and any value nested deeper than MAX_JSON_DEPTH. The walk keeps its own stack, so a
 * body of thousands of nested arrays is answered with a problem, never a stack overflow.
 */
export function unprintableFields(value: unknown): Array<{ path: string[]; message: string }> {
  type Problem = { path: string[]; message: string };
  const problems: Problem[] = [];
  // Each entry is a value still to look at, or a key's problem to report when its turn comes (document order).
  const stack: Array<{ value: unknown; path: string[] } | { problem: Problem }> = [{ value, path: [] }];
  while (stack.length) {
    const next = stack.pop()!;
    if ('problem' in next) {
      problems.push(next.problem);
      continue;
    }
    const { value: v, path } = next;
    if (typeof v === 'string') {
      const message = unprintable(v);
      if (message) problems.push({ path, message });
    } else if (v && typeof v === 'object') {
      if (path.length >= MAX_JSON_DEPTH) problems.push({ path, message: TOO_DEEP_MESSAGE });
      else stack.push(...childrenOf(v, path).reverse());
    }
  }
  return problems;
}

/** An array's items or an object's entries to walk, each object key's own problem just before its value. */
function childrenOf(
  v: object,
  path: string[],
): Array<{ value: unknown; path: string[] } | { problem: { path: string[]; message: string } }> {
  if (Array.isArray(v)) return v.map((item, i) => ({ value: item, path: [...path, String(i)] }));
  return Object.entries(v).flatMap(([k, child]) => {
    const keyProblem = unprintable(k);
    const childPath = [...path, keyProblem ? escapeControls(k) : k];
    const walk = { value: child, path: childPath };
    return keyProblem ? [{ problem: { path: childPath, message: `key ${keyProblem}` } }, walk] : [walk];
  });
}

/** Text safe to print on a terminal or in a log line: control characters and lone surrogates escaped. */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
  return escaped.replace(LONE_SURROGATES, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

// fatal: refuse instead of replacing with U+FFFD; ignoreBOM: a byte order mark stays in the text.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Bytes as text, strictly: never with replacement characters, which would store U+FFFD in place of what was
 * sent. When they are not UTF-8, where they stop being so: "byte 5 (0xFF) does not start a well-formed character".
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { notUtf8: string } {
  try {
    return { text: STRICT_UTF8.decode(bytes) };
  } catch {
    const at = invalidUtf8At(bytes);
    if (at < 0) return { notUtf8: 'it is not valid UTF-8' };
    const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
    return { notUtf8: `byte ${at + 1} (0x${hex}) does not start a well-formed character` };
  }
}

/** Bytes that may follow a lead byte: [sequence length, lowest and highest second byte] (Unicode Table 3-7). */
function sequenceOf(lead: number): [number, number, number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf]; // no overlong 3-byte forms
  if (lead === 0xed) return [3, 0x80, 0x9f]; // no UTF-16 surrogates (U+D800–U+DFFF)
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf]; // no overlong 4-byte forms
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f]; // nothing above U+10FFFF
  return undefined; // a continuation byte without its lead, 0xC0, 0xC1 (overlong) or 0xF5–0xFF
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms, encoded
 * surrogates, truncated sequences and stray bytes included), or -1 when every byte is well formed. For the
 * message only: a strict TextDecoder decides, and this says where (it runs once a line or body is refused).
 */
export function invalidUtf8At(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const sequence = sequenceOf(lead);
    if (!sequence) return i;
    const [length, low, high] = sequence;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k += 1) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}
