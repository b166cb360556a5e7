import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { decodeKey } from '../config';

/**
 * Encryption at rest for Xero tokens and Custom Connection secrets: AES-256-GCM, a random 12-byte IV per
 * value, the 16-byte auth tag, and the id of the key that sealed it, so values sealed with an older key still
 * open during a rotation (TOKEN_ENCRYPTION_OLD_KEYS).
 *
 * Sealed form: `v1.<key id>.<base64url(iv ‖ tag ‖ ciphertext)>`. The key id is the first 8 hex digits of the key's
 * SHA-256: it names the key without revealing it. Each value is bound to where it is stored (the `context`, e.g.
 * "biz_demo:refresh_token") as additional authenticated data, so a sealed value copied to another row or column
 * does not open.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class TokenDecryptionError extends Error {
  override readonly name = 'TokenDecryptionError';
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export class TokenCipher {
  private readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Buffer, old: Buffer[] = []) {
    for (const key of [current, ...old]) {
      if (key.length !== 32) throw new RangeError('token encryption keys must be 32 bytes');
      if (!this.keys.has(keyId(key))) this.keys.set(keyId(key), key);
    }
    this.currentId = keyId(current);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    return `${VERSION}.${this.currentId}.${sealed}`;
  }

  decrypt(sealed: string, context: string): string {
    const [version, id, payload, extra] = sealed.split('.');
    if (version !== VERSION || !id || payload === undefined || extra !== undefined)
      throw new TokenDecryptionError('not a sealed token value');
    const key = this.keys.get(id);
    if (!key)
      throw new TokenDecryptionError(
        `sealed with key ${id}, which is neither TOKEN_ENCRYPTION_KEY nor in TOKEN_ENCRYPTION_OLD_KEYS`,
      );
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new TokenDecryptionError('sealed value is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // Never echo the value: only that it did not authenticate.
      throw new TokenDecryptionError(`sealed value failed authentication (key ${id})`);
    }
  }

  /** True when the value was sealed with an older key and should be rewritten (`tokens reencrypt`). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentId;
  }
}

/** Where `npm start` keeps the key it generates when TOKEN_ENCRYPTION_KEY is unset (mode 0600). */
export function tokenKeyFile(cfg: Pick<Config, 'dataDir'>): string {
  return path.join(cfg.dataDir, 'token-encryption.key');
}

/**
 * The key tokens are sealed with, and where it came from: TOKEN_ENCRYPTION_KEY, or else the key `npm start`
 * generated into DATA_DIR, so the CLI, the worker and the API beside a running `npm start` find the same key.
 */
export function resolveTokenKey(cfg: Config): { key: string; source: string } | undefined {
  if (cfg.TOKEN_ENCRYPTION_KEY) return { key: cfg.TOKEN_ENCRYPTION_KEY, source: 'TOKEN_ENCRYPTION_KEY' };
  const file = tokenKeyFile(cfg);
  if (!existsSync(file)) return undefined;
  const key = readFileSync(file, 'utf8').trim();
  if (!decodeKey(key))
    throw new Error(`${file} does not hold a 32-byte base64 key; delete it or set TOKEN_ENCRYPTION_KEY`);
  return { key, source: file };
}

/** Exits with a clear message when no key is configured (npm start provides one; deployments set it). */
export function requireTokenCipher(cfg: Config): TokenCipher {
  const cipher = tokenCipherFromConfig(cfg);
  if (!cipher) {
    console.error(
      'TOKEN_ENCRYPTION_KEY: not set. Xero tokens are stored encrypted with it: set 32 random bytes, base64 ' +
        `(\`openssl rand -base64 32\`), or run \`npm start\`, which generates one into ${tokenKeyFile(cfg)} ` +
        '(found there by every later command; see .env.example).',
    );
    process.exit(1);
  }
  return cipher;
}

export function tokenCipherFromConfig(cfg: Config): TokenCipher | undefined {
  const resolved = resolveTokenKey(cfg);
  if (!resolved) return undefined;
  const old = (cfg.TOKEN_ENCRYPTION_OLD_KEYS ?? '')
    .split(',')
    .filter((k) => k.trim() !== '')
    .map((k) => decodeKey(k)!);
  return new TokenCipher(decodeKey(resolved.key)!, old);
}
