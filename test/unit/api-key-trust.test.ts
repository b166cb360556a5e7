import { createHash } from 'node:crypto';
import type { Db } from '../../src/db/pool';
import { newApiKeyText, verifyApiKey } from '../../src/api-keys/store';

/**
 * A stand-in for PostgreSQL's api_keys table: one key, revocable, whose lookups can be held to see who waits for
 * them. The UPDATE of last_used_at answers at once.
 */
function keyTable(key: string) {
  const [, id, secret] = /^xms_([a-z0-9]{12})_(.+)$/.exec(key)!;
  const row = { business_id: 'biz_a', secret_hash: createHash('sha256').update(secret!).digest() };
  const state = { revoked: false, lookups: 0, hold: false, held: [] as Array<() => void> };
  const db = {
    query: async (text: string, params: unknown[]) => {
      if (!text.startsWith('SELECT')) return { rows: [], rowCount: 1 };
      expect(params).toEqual([id]);
      state.lookups += 1;
      if (state.hold) await new Promise<void>((resolve) => state.held.push(resolve));
      return { rows: state.revoked ? [] : [row] };
    },
  } as unknown as Db;
  const release = () => state.held.splice(0).forEach((go) => go());
  return { db, state, release };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('API key verification', () => {
  it('trusts a verified key for a second, with concurrent first uses sharing one lookup', async () => {
    const key = newApiKeyText();
    const { db, state } = keyTable(key);
    const found = await Promise.all([1, 2, 3].map(() => verifyApiKey(db, key, 10_000)));
    expect(found).toEqual([1, 2, 3].map(() => ({ keyId: key.slice(4, 16), businessId: 'biz_a' })));
    expect(state.lookups).toBe(1);
    expect(await verifyApiKey(db, key, 10_999)).toMatchObject({ businessId: 'biz_a' });
    expect(state.lookups).toBe(1);
  });

  it('for a second more, answers at once while one lookup checks the key again, and a revocation then holds', async () => {
    const key = newApiKeyText();
    const { db, state, release } = keyTable(key);
    await verifyApiKey(db, key, 20_000);
    state.revoked = true;
    state.hold = true;
    // Nobody waits for the lookup: each is answered from the last verification, and the lookup is made once.
    const answers = await Promise.all([1, 2, 3].map(() => verifyApiKey(db, key, 21_500)));
    expect(answers.every((a) => a?.businessId === 'biz_a')).toBe(true);
    expect(state.lookups).toBe(2);
    release();
    await settle();
    state.hold = false;
    // The lookup found the key revoked: it is refused from then on, not trusted until 22 s.
    expect(await verifyApiKey(db, key, 21_600)).toBeNull();
  });

  it('waits for the lookup once a verification is two seconds old', async () => {
    const key = newApiKeyText();
    const { db, state } = keyTable(key);
    await verifyApiKey(db, key, 30_000);
    state.revoked = true;
    expect(await verifyApiKey(db, key, 32_000)).toBeNull();
    expect(state.lookups).toBe(2);
  });

  it('never trusts a wrong secret for a key it verified', async () => {
    const key = newApiKeyText();
    const { db } = keyTable(key);
    await verifyApiKey(db, key, 40_000);
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await verifyApiKey(db, wrong, 40_001)).toBeNull();
  });
});
