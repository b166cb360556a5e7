import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/pool';
import { ensureApiKey, newApiKeyText } from '../api-keys/store';

/**
 * The demo business's API key for `npm start` on embedded defaults. Keys are stored hashed, so the key text
 * is kept in DATA_DIR (mode 0600) to print the same key on every start; the README's curl reads it from there.
 */
export async function demoApiKey(
  db: Db,
  dataDir: string,
  businessId: string,
): Promise<{ key: string; file: string }> {
  const file = path.join(dataDir, 'demo-api-key');
  const key = existsSync(file) ? readFileSync(file, 'utf8').trim() : newApiKeyText();
  if (!existsSync(file)) writeFileSync(file, `${key}\n`, { mode: 0o600 });
  await ensureApiKey(db, businessId, key, 'demo key (npm start)');
  return { key, file };
}
