import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The page's status colours (src/web/assets/page.css), in light and dark mode: Waiting for Xero's limit and Paused
 * each differ from Running's blue, and every state's text colour reads on the card and page backgrounds with at
 * least WCAG AA's 4.5:1.
 */
const css = readFileSync(path.resolve(__dirname, '../../src/web/assets/page.css'), 'utf8');

/** The custom properties of the first `:root` block after `from` (the light one, or the dark one). */
function palette(from: number): Record<string, string> {
  const start = css.indexOf(':root', from);
  const block = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries(
    [...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]),
  );
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

function distance(a: string, b: string): number {
  const channels = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const [x, y] = [channels(a), channels(b)];
  return Math.hypot(...x.map((c, i) => c - y[i]!));
}

const light = palette(0);
const dark = { ...light, ...palette(css.indexOf('prefers-color-scheme: dark')) };

describe.each([
  ['light', light],
  ['dark', dark],
])('the page’s status colours in %s mode', (_mode, colours) => {
  it('gives Waiting and Paused colours of their own, apart from Running’s and each other’s', () => {
    const running = colours.accent!;
    expect(new Set([running, colours.wait, colours.paused]).size).toBe(3);
    // Apart in colour, not only in code: at least 80 of the 441 of sRGB's diagonal.
    expect(distance(colours.wait!, running)).toBeGreaterThanOrEqual(80);
    expect(distance(colours.paused!, running)).toBeGreaterThanOrEqual(80);
    expect(distance(colours.paused!, colours.wait!)).toBeGreaterThanOrEqual(80);
  });

  it.each(['accent', 'wait', 'paused', 'ok', 'warn', 'bad', 'muted', 'ink'])(
    '--%s reads on the card and the page background (at least 4.5:1)',
    (name) => {
      expect(contrast(colours[name]!, colours.card!)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(colours[name]!, colours.bg!)).toBeGreaterThanOrEqual(4.5);
    },
  );
});
