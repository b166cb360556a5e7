import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import * as contract from '../../src/contract';

/**
 * The page client (src/web/client) writes no copy of a contract type: every shape it reads or sends comes from
 * src/contract/ (issue 22, "one contract for the page"). The compiler reads the client as its own tsconfig does
 * and the contract's exported types, and each copy is named: a type declared under a contract type's name, an
 * object type whose fields are those of a contract object, a union of the strings a contract enum (or a union's
 * tag) holds, and an API answer (`call<…>`) typed by anything but a contract type. test/fixtures/page-contract/
 * holds one of each, which the check must find.
 */

const root = path.resolve(__dirname, '../..');
const CONTRACT = path.join(root, 'src/contract');
const CLIENT = path.join(root, 'src/web/client');
const FIXTURE = path.join(root, 'test/fixtures/page-contract/hand-written.ts');

function clientProgram(extra: string[] = []): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(CLIENT, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  return ts.createProgram({
    rootNames: [...config.fileNames, path.join(CONTRACT, 'index.ts'), ...extra],
    options: config.options,
  });
}

/** What the contract's exported types are made of: their names, objects' field names, and string unions. */
interface Shapes {
  names: Set<string>;
  objects: string[][];
  strings: string[][];
}

const key = (values: string[]) => [...values].sort().join('|');

function contractShapes(program: ts.Program): Shapes {
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(path.join(CONTRACT, 'index.ts'))!;
  const shapes: Shapes = { names: new Set(), objects: [], strings: [] };
  const seen = new Set<ts.Type>();
  const stringsOf = (types: readonly ts.Type[]) => {
    const values = types.filter((t) => !(t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)));
    return values.length > 1 && values.every((t) => t.isStringLiteral())
      ? values.map((t) => (t as ts.StringLiteralType).value)
      : null;
  };
  const walk = (type: ts.Type, depth: number): void => {
    if (seen.has(type) || depth > 8) return;
    seen.add(type);
    if (type.isUnion()) {
      const strings = stringsOf(type.types);
      if (strings) return void shapes.strings.push(strings);
      for (const member of type.types) walk(member, depth + 1);
      // A tagged union's tag: the strings its members' common field takes ({mode: 'auto'} | {mode: 'manual'}).
      const objects = type.types.filter((t) => t.flags & ts.TypeFlags.Object);
      for (const field of objects[0]?.getProperties() ?? []) {
        const tags = objects
          .map((o) => o.getProperty(field.name))
          .map((p) => p && checker.getTypeOfSymbol(p));
        const strings = tags.every(Boolean) ? stringsOf(tags as ts.Type[]) : null;
        if (strings && objects.length > 1) shapes.strings.push(strings);
      }
      return;
    }
    if (checker.isArrayType(type))
      return walk(checker.getTypeArguments(type as ts.TypeReference)[0]!, depth + 1);
    if (!(type.flags & ts.TypeFlags.Object) || type.getCallSignatures().length) return;
    const fields = checker.getPropertiesOfType(type);
    if (fields.length) shapes.objects.push(fields.map((f) => f.name));
    for (const field of fields) walk(checker.getTypeOfSymbol(field), depth + 1);
  };
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(index)!)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & (ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Interface))) continue;
    shapes.names.add(exported.name);
    walk(checker.getDeclaredTypeOfSymbol(symbol), 0);
  }
  return shapes;
}

/** A type reference that resolves (through aliases) to a type declared in src/contract/. */
function isContractType(node: ts.TypeNode, checker: ts.TypeChecker): boolean {
  if (!ts.isTypeReferenceNode(node)) return false;
  let symbol = checker.getSymbolAtLocation(node.typeName);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return (symbol?.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(`${CONTRACT}/`));
}

/** Every copy of a contract type in the given files, as "file:line: what". */
function handWrittenCopies(program: ts.Program, files: (name: string) => boolean): string[] {
  const checker = program.getTypeChecker();
  const shapes = contractShapes(program);
  const stringSets = new Set(shapes.strings.map(key));
  const found: string[] = [];
  for (const file of program.getSourceFiles().filter((f) => files(f.fileName))) {
    const report = (node: ts.Node, what: string) => {
      const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push(`${path.relative(root, file.fileName)}:${line}: ${what}`);
    };
    const visit = (node: ts.Node): void => {
      if (
        (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) &&
        shapes.names.has(node.name.text)
      )
        report(node, `declares ${node.name.text}, a contract type`);
      if (ts.isInterfaceDeclaration(node) || ts.isTypeLiteralNode(node)) {
        const fields = node.members.flatMap((m) => (m.name && ts.isIdentifier(m.name) ? [m.name.text] : []));
        const copied = shapes.objects.find((o) => fields.every((f) => o.includes(f)));
        if (fields.length >= 2 && copied)
          report(node, `copies {${fields.join(', ')}} of {${copied.join(', ')}}`);
      }
      if (ts.isUnionTypeNode(node)) {
        const strings = node.types.map((t) =>
          ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : null,
        );
        if (strings.every((s) => s !== null) && stringSets.has(key(strings as string[])))
          report(node, `copies the strings ${strings.join(' | ')} of a contract type`);
      }
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'call')
        for (const answer of node.typeArguments ?? [])
          if (!isContractType(answer, checker)) report(answer, `types an API answer as ${answer.getText()}`);
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

/**
 * Every answer the page reads. The API answers what a response schema takes in (src/api/operation.ts `reply`)
 * and the page reads it as the contract's type (its output): the two must be the same, so no schema here may
 * have a default or a transform. Checked twice: by the compiler (`npm run typecheck`) and here, on the schemas.
 */
const PAGE_READS = {
  business: contract.BusinessView,
  locations: contract.LocationsView,
  history: contract.HistoryPage,
  detail: contract.SyncRequestDetail,
  orders: contract.OrdersPage,
  preview: contract.PreviewResult,
  accepted: contract.SyncRequestAccepted,
  control: contract.ControlAccepted,
  contacts: contract.ContactsResult,
  problem: contract.Problem,
  reconnect: contract.AuthorizeRedirect,
  mappings: contract.MerchantSettings,
  reconciliation: contract.Reconciliation,
  check: contract.ReconciliationCheck,
  undoPreview: contract.UndoPreview,
  undo: contract.UndoProgress,
  undoCancel: contract.UndoCancelAccepted,
};

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type WireIsRead = {
  [K in keyof typeof PAGE_READS]: Same<z.input<(typeof PAGE_READS)[K]>, z.output<(typeof PAGE_READS)[K]>>;
};
// A compile error here names the answer whose JSON is not the type the page reads.
export const wireIsRead: { [K in keyof typeof PAGE_READS]: true } = {} as WireIsRead;

/** A schema's JSON Schema for one side, without `additionalProperties` (zod sets it on the output side only). */
function sideOf(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'additionalProperties')
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  return strip(z.toJSONSchema(schema, { io, unrepresentable: 'any' }));
}

describe('the page client and the contract', () => {
  const program = clientProgram([FIXTURE]);

  it('compiles: the client as its tsconfig reads it, with the contract', () => {
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });

  it('has no hand-written copy of a contract type in src/web/client', () => {
    expect(handWrittenCopies(program, (f) => f.startsWith(`${CLIENT}/`))).toEqual([]);
  });

  it('finds each kind of copy (the check can fail): test/fixtures/page-contract/hand-written.ts', () => {
    const found = handWrittenCopies(program, (f) => f === FIXTURE).map((f) => f.replace(/^[^ ]+ /, ''));
    expect(found).toEqual([
      'declares Channel, a contract type',
      'copies the strings pos | online | b2b of a contract type',
      'copies {orderId, orderNumber, status} of {orderId, orderNumber, placedAt, total, currency, status, message, reason, xeroInvoiceId, invoiceNumber, updatedAt}',
      'copies the strings failed | synced | skipped of a contract type',
      'copies the strings auto | manual of a contract type',
      'types an API answer as { authorizeUrl: string }',
    ]);
  });

  it.each(Object.entries(PAGE_READS))(
    'reads the %s answer as the API sends it (no default, no transform)',
    (_answer, schema) => expect(sideOf(schema, 'output')).toEqual(sideOf(schema, 'input')),
  );

  it('tells a schema with a default from one without (the check can fail)', () => {
    const body = contract.CreateSyncRequestBody;
    expect(sideOf(body, 'output')).not.toEqual(sideOf(body, 'input'));
  });
});
