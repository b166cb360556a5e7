import { invalidUtf8At } from '../../src/text';
import { seededRandom } from '../../src/random';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function decodes(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('invalidUtf8At: where a line stops being UTF-8', () => {
  it('names the first byte of each ill-formed sequence, and -1 for well-formed text', () => {
    const cases: Array<[number[], number]> = [
      [[...Buffer.from('Café ☕ 𝄞')], -1],
      [[0x4c, 0xff, 0xfe], 1], // stray bytes
      [[0x41, 0xed, 0xa0, 0x80], 1], // the encoding of a lone surrogate, U+D800
      [[0xed, 0x9f, 0xbf], -1], // U+D7FF, just below the surrogates
      [[0xc0, 0xaf], 0], // overlong "/"
      [[0xe0, 0x80, 0xaf], 0], // overlong 3-byte form
      [[0xf0, 0x80, 0x80, 0xaf], 0], // overlong 4-byte form
      [[0x61, 0xe2, 0x82], 1], // cut off at the end
      [[0xe2, 0x82, 0x41], 0], // cut off before another character
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0xf4, 0x8f, 0xbf, 0xbf], -1], // U+10FFFF
      [[0xc3, 0xa9, 0x80], 2], // a continuation byte with no lead
    ];
    for (const [bytes, at] of cases)
      expect([bytes, invalidUtf8At(Uint8Array.from(bytes))]).toEqual([bytes, at]);
  });

  it('agrees with the strict decoder on 20,000 random byte strings, and the bytes before it decode', () => {
    const random = seededRandom(21);
    // Bytes near the boundaries of Table 3-7, so most strings are nearly valid.
    const pool = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec];
    pool.push(0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff);
    const disagreements: Array<{ bytes: number[]; at: number }> = [];
    for (let n = 0; n < 20_000; n += 1) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () => {
        return pool[Math.floor(random() * pool.length)]!;
      });
      const at = invalidUtf8At(bytes);
      const agrees = (at === -1) === decodes(bytes) && (at === -1 || decodes(bytes.subarray(0, at)));
      if (!agrees) disagreements.push({ bytes: [...bytes], at });
    }
    expect(disagreements).toEqual([]);
  });
});
