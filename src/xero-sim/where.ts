/**
 * Xero's `where` filter (a Dynamic-LINQ dialect): comparisons, .ToLower()/.ToUpper()/.Contains()/.StartsWith()/
 * .EndsWith(), Guid("…"), AND/OR/NOT and parentheses. String literals cannot escape a double quote, exactly like
 * Xero (xero-facts.md, "Contacts"): a `"` inside a value ends the literal and the rest fails to parse.
 */
export class WhereParseError extends Error {}

type Token =
  | { kind: 'str'; value: string; at: number }
  | { kind: 'num'; value: number; at: number }
  | { kind: 'id'; value: string; at: number }
  | { kind: 'op'; value: string; at: number };

export type Expr =
  | { kind: 'lit'; value: unknown }
  | { kind: 'field'; path: string[] }
  | { kind: 'call'; target: Expr; method: string; args: Expr[] }
  | { kind: 'bin'; op: string; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr };

const OPS = ['==', '!=', '>=', '<=', '&&', '||', '>', '<', '=', '(', ')', '.', ',', '!'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new WhereParseError(`Unterminated string literal (at index ${i})`);
      tokens.push({ kind: 'str', value: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text.charAt(i + 1)))) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i)) ?? [''];
      tokens.push({ kind: 'num', value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)) ?? [''];
      tokens.push({ kind: 'id', value: m[0], at: i });
      i += m[0].length;
    } else {
      const op = OPS.find((o) => text.startsWith(o, i));
      if (!op) throw new WhereParseError(`Syntax error '${c}' (at index ${i})`);
      tokens.push({ kind: 'op', value: op === '=' ? '==' : op, at: i });
      i += op.length;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Expr {
    const expr = this.or();
    const extra = this.tokens[this.pos];
    if (extra) throw new WhereParseError(`Operator expected (at index ${extra.at})`);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isWord(word: string, symbol: string): boolean {
    const t = this.peek();
    return (
      !!t && ((t.kind === 'id' && t.value.toUpperCase() === word) || (t.kind === 'op' && t.value === symbol))
    );
  }

  private expect(op: string): void {
    const t = this.peek();
    if (!t || t.kind !== 'op' || t.value !== op)
      throw new WhereParseError(`'${op}' expected (at index ${t?.at ?? 'end'})`);
    this.pos++;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('OR', '||')) {
      this.pos++;
      left = { kind: 'bin', op: '||', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.unary();
    while (this.isWord('AND', '&&')) {
      this.pos++;
      left = { kind: 'bin', op: '&&', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isWord('NOT', '!')) {
      this.pos++;
      return { kind: 'not', expr: this.unary() };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.operand();
    const t = this.peek();
    if (t?.kind === 'op' && ['==', '!=', '>', '<', '>=', '<='].includes(t.value)) {
      this.pos++;
      return { kind: 'bin', op: t.value, left, right: this.operand() };
    }
    return left;
  }

  private operand(): Expr {
    const t = this.peek();
    if (!t) throw new WhereParseError('Expression expected (at end)');
    this.pos++;
    if (t.kind === 'str' || t.kind === 'num') return { kind: 'lit', value: t.value };
    if (t.kind === 'op' && t.value === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (t.kind !== 'id') throw new WhereParseError(`Expression expected (at index ${t.at})`);
    return this.identifier(t.value);
  }

  private identifier(name: string): Expr {
    const upper = name.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'lit', value: upper === 'TRUE' };
    if (upper === 'NULL') return { kind: 'lit', value: null };
    if (upper === 'GUID') return { kind: 'lit', value: String(this.callArgs()[0] ?? '').toLowerCase() };
    let expr: Expr = { kind: 'field', path: [name] };
    while (this.peek()?.kind === 'op' && this.peek()?.value === '.') {
      this.pos++;
      const member = this.peek();
      if (member?.kind !== 'id')
        throw new WhereParseError(`Identifier expected (at index ${member?.at ?? 'end'})`);
      this.pos++;
      if (this.peek()?.kind === 'op' && this.peek()?.value === '(') {
        expr = {
          kind: 'call',
          target: expr,
          method: member.value.toLowerCase(),
          args: this.callArgs().map(lit),
        };
      } else if (expr.kind === 'field') {
        expr = { kind: 'field', path: [...expr.path, member.value] };
      } else {
        throw new WhereParseError(`Unexpected member '${member.value}'`);
      }
    }
    return expr;
  }

  private callArgs(): unknown[] {
    this.expect('(');
    const args: unknown[] = [];
    while (!(this.peek()?.kind === 'op' && this.peek()?.value === ')')) {
      const arg = this.operand();
      if (arg.kind !== 'lit') throw new WhereParseError('Only literal arguments are supported');
      args.push(arg.value);
      if (this.peek()?.kind === 'op' && this.peek()?.value === ',') this.pos++;
    }
    this.expect(')');
    return args;
  }
}

function lit(value: unknown): Expr {
  return { kind: 'lit', value };
}

export function parseWhere(text: string): Expr {
  return new Parser(tokenize(text)).parse();
}

function field(record: unknown, path: string[]): unknown {
  let value: unknown = record;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    const obj = value as Record<string, unknown>;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === part.toLowerCase());
    value = key === undefined ? undefined : obj[key];
  }
  return value;
}

function callMethod(target: unknown, method: string, args: unknown[]): unknown {
  const s = target === undefined || target === null ? '' : String(target);
  const arg = String(args[0] ?? '');
  switch (method) {
    case 'tolower':
      return s.toLowerCase();
    case 'toupper':
      return s.toUpperCase();
    case 'contains':
      return s.includes(arg);
    case 'startswith':
      return s.startsWith(arg);
    case 'endswith':
      return s.endsWith(arg);
    default:
      throw new WhereParseError(`No applicable method '${method}' exists`);
  }
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (
    typeof a === 'string' &&
    typeof b === 'string' &&
    /^[0-9a-f-]{36}$/i.test(a) &&
    /^[0-9a-f-]{36}$/.test(b)
  ) {
    a = a.toLowerCase(); // Guid comparisons are case-insensitive
  }
  switch (op) {
    case '==':
      return a === b || (a == null && b == null);
    case '!=':
      return !(a === b || (a == null && b == null));
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const x = a as number | string;
      const y = b as number | string;
      return op === '>' ? x > y : op === '<' ? x < y : op === '>=' ? x >= y : x <= y;
    }
  }
}

export function evaluate(expr: Expr, record: unknown): unknown {
  switch (expr.kind) {
    case 'lit':
      return expr.value;
    case 'field':
      return field(record, expr.path);
    case 'call':
      return callMethod(
        evaluate(expr.target, record),
        expr.method,
        expr.args.map((a) => evaluate(a, record)),
      );
    case 'not':
      return !evaluate(expr.expr, record);
    case 'bin':
      if (expr.op === '&&') return !!evaluate(expr.left, record) && !!evaluate(expr.right, record);
      if (expr.op === '||') return !!evaluate(expr.left, record) || !!evaluate(expr.right, record);
      return compare(expr.op, evaluate(expr.left, record), evaluate(expr.right, record));
  }
}

/** `Name=="x"` or `Name.ToLower()=="x"`: lets contacts answer from the name index instead of scanning. */
export function nameEquality(expr: Expr): { value: string; lower: boolean } | null {
  if (
    expr.kind !== 'bin' ||
    expr.op !== '==' ||
    expr.right.kind !== 'lit' ||
    typeof expr.right.value !== 'string'
  )
    return null;
  const left = expr.left;
  const isName = (e: Expr): boolean =>
    e.kind === 'field' && e.path.length === 1 && e.path[0]?.toLowerCase() === 'name';
  if (isName(left)) return { value: expr.right.value, lower: false };
  if (left.kind === 'call' && left.method === 'tolower' && isName(left.target))
    return { value: expr.right.value, lower: true };
  return null;
}
