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
 * Every unprintable string in a parsed JSON value, keys included, with its path (`lines.0.description`,
 * `taxTypes.<key>` for a key).
 */
export function unprintableFields(
  value: unknown,
  path: string[] = [],
): Array<{ path: string[]; message: string }> {
  if (typeof value === 'string') {
    const message = unprintable(value);
    return message ? [{ path, message }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => unprintableFields(v, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const keyProblem = unprintable(k);
      const shownKey = keyProblem ? escapeControls(k) : k;
      return [
        ...(keyProblem ? [{ path: [...path, shownKey], message: `key ${keyProblem}` }] : []),
        ...unprintableFields(v, [...path, shownKey]),
      ];
    });
  }
  return [];
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
