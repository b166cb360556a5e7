import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The README and docs/ link into each other and into the code: every relative link must name a file that exists,
 * and every `#anchor` a heading of its target, as GitHub renders it. The README stays a five-minute read.
 */
const root = path.resolve(__dirname, '../..');
const README_MAX_LINES = 300;

const mdIn = (dir: string) =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(dir, f));
const FILES = ['README.md', ...mdIn('docs'), ...mdIn('src/xero-sim')];

/**
 * GitHub's heading ids, as github-slugger makes them (not installed here, and the rule is short): lower-case;
 * remove punctuation other than `-` and `_`, symbols, control, format and separator characters other than the
 * space, unless alphabetic; spaces become `-`. A repeated heading gets `-1`, `-2`, … after the first.
 */
const REMOVED = /[\p{No}\p{Pe}\p{Pf}\p{Pi}\p{Ps}\p{Po}\p{Pd}\p{S}\p{Cc}\p{Co}\p{Cf}\p{Cn}\p{Z}]/gu;
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(REMOVED, (c) => (c === ' ' || c === '-' || /\p{Alphabetic}/u.test(c) ? c : ''))
    .replace(/ /g, '-');
}

/** A heading's text as GitHub renders it: code spans, links, emphasis and HTML tags reduced to their text. */
function renderedText(heading: string): string {
  return heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(^|[^\p{L}\p{N}])_([^_]+)_(?![\p{L}\p{N}])/gu, '$1$2')
    .trim();
}

/** The lines outside fenced code blocks (``` or ~~~), with their numbers. */
function proseLines(text: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== null) {
      if (open && open[0] === fence[0] && open.length >= fence.length) fence = null;
    } else if (open) fence = open;
    else out.push({ line, n: i + 1 });
  });
  return out;
}

function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(renderedText(heading));
    let id = base;
    while (seen.has(id)) {
      seen.set(base, seen.get(base)! + 1);
      id = `${base}-${seen.get(base)!}`;
    }
    seen.set(id, 0);
    anchors.add(id);
  }
  return anchors;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

/** Inline links and images (`[t](target "title")`, `<target>`) and reference definitions, outside code. */
function linksOf(file: string, text: string): Link[] {
  const links: Link[] = [];
  for (const { line, n } of proseLines(text)) {
    const prose = line.replace(/(`+)[^`]*?\1/g, '');
    for (const m of prose.matchAll(/\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+"[^"]*")?\s*\)/g))
      links.push({ file, line: n, target: m[1]!.replace(/^<|>$/g, '') });
    const def = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose)?.[1];
    if (def) links.push({ file, line: n, target: def.replace(/^<|>$/g, '') });
  }
  return links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target));
}

const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** What is wrong with one link, or null: a missing file, or an anchor its target has no heading for. */
function problemOf(link: Link): string | null {
  const hash = link.target.indexOf('#');
  const filePart = decodeURIComponent(hash < 0 ? link.target : link.target.slice(0, hash));
  const anchor = hash < 0 ? null : decodeURIComponent(link.target.slice(hash + 1));
  const target = filePart === '' ? link.file : path.join(path.dirname(link.file), filePart);
  const where = `${link.file}:${link.line}: (${link.target})`;
  if (path.relative(root, path.join(root, target)).startsWith('..')) return `${where} leaves the repository`;
  if (!existsSync(path.join(root, target))) return `${where} names ${target}, which does not exist`;
  if (anchor === null) return null;
  if (!target.endsWith('.md') || statSync(path.join(root, target)).isDirectory())
    return `${where} has an anchor into ${target}, which is not Markdown`;
  if (!anchorsOf(read(target)).has(anchor)) return `${where}: ${target} has no heading #${anchor}`;
  return null;
}

describe('the documentation', () => {
  it('reads from a README of at most 300 lines', () => {
    expect(read('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('links only to files that exist and to headings their targets have', () => {
    const links = FILES.flatMap((file) => linksOf(file, read(file)));
    expect(links.length).toBeGreaterThan(50);
    expect(links.map(problemOf).filter((p) => p !== null)).toEqual([]);
  });

  it('links every docs/ file from the README', () => {
    const linked = new Set(
      linksOf('README.md', read('README.md')).map((l) => path.normalize(l.target.split('#')[0]!)),
    );
    expect(mdIn('docs').filter((f) => !linked.has(f))).toEqual([]);
  });

  it('makes heading ids as GitHub does', () => {
    const doc = [
      "# The organisation's facts",
      '## The CLI beside `npm start`',
      '## Scopes: apps created before and since 2 March 2026',
      '## The keep-alive: refresh tokens never reach 60 unused days',
      '## 4. See what reached the (simulated) Xero',
      '```sh',
      '# Not a heading',
      '```',
      '## Notes',
      '## Notes',
      '## Notes',
      '## Metrics & logs — _why_ [here](x.md)',
      '## Café: 2 × 3 → 6',
    ].join('\n');
    expect([...anchorsOf(doc)]).toEqual([
      'the-organisations-facts',
      'the-cli-beside-npm-start',
      'scopes-apps-created-before-and-since-2-march-2026',
      'the-keep-alive-refresh-tokens-never-reach-60-unused-days',
      '4-see-what-reached-the-simulated-xero',
      'notes',
      'notes-1',
      'notes-2',
      'metrics--logs--why-here',
      'café-2--3--6',
    ]);
  });
});
