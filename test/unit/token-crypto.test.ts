import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config';
import {
  keyId,
  resolveTokenKey,
  TokenCipher,
  TokenDecryptionError,
  tokenCipherFromConfig,
  tokenKeyFile,
} from '../../src/xero/token-crypto';

const key = randomBytes(32);
const oldKey = randomBytes(32);

describe('token encryption (AES-256-GCM)', () => {
  it('round-trips a token and never contains the plaintext', () => {
    const cipher = new TokenCipher(key);
    const token = 'sim_rt_secret-refresh-token-value';
    const sealed = cipher.encrypt(token, 'biz_1:refresh_token');
    expect(sealed).not.toContain(token);
    expect(sealed.startsWith(`v1.${keyId(key)}.`)).toBe(true);
    expect(cipher.decrypt(sealed, 'biz_1:refresh_token')).toBe(token);
  });

  it('uses a fresh random IV for every value', () => {
    const cipher = new TokenCipher(key);
    expect(cipher.encrypt('same', 'ctx')).not.toBe(cipher.encrypt('same', 'ctx'));
  });

  it('refuses a tampered value, a value moved to another row, and an unknown key', () => {
    const cipher = new TokenCipher(key);
    const sealed = cipher.encrypt('token', 'biz_1:access_token');
    const raw = Buffer.from(sealed.split('.')[2]!, 'base64url');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
    const tampered = `v1.${keyId(key)}.${raw.toString('base64url')}`;
    expect(() => cipher.decrypt(tampered, 'biz_1:access_token')).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(sealed, 'biz_2:access_token')).toThrow(/failed authentication/);
    expect(() => new TokenCipher(randomBytes(32)).decrypt(sealed, 'biz_1:access_token')).toThrow(
      /neither TOKEN_ENCRYPTION_KEY nor in TOKEN_ENCRYPTION_OLD_KEYS/,
    );
    expect(() => cipher.decrypt('plaintext-token', 'ctx')).toThrow(/not a sealed token value/);
  });

  it('rotation: values sealed with an old key still open, are reported stale, and re-seal with the new key', () => {
    const before = new TokenCipher(oldKey);
    const sealed = before.encrypt('token', 'ctx');
    const after = new TokenCipher(key, [oldKey]);
    expect(after.decrypt(sealed, 'ctx')).toBe('token');
    expect(after.isStale(sealed)).toBe(true);
    const resealed = after.encrypt(after.decrypt(sealed, 'ctx'), 'ctx');
    expect(after.isStale(resealed)).toBe(false);
    expect(() => new TokenCipher(key).decrypt(sealed, 'ctx')).toThrow(TokenDecryptionError);
  });

  it('reads TOKEN_ENCRYPTION_KEY and TOKEN_ENCRYPTION_OLD_KEYS from the configuration', () => {
    const cfg = parseConfig({
      TOKEN_ENCRYPTION_KEY: key.toString('base64'),
      TOKEN_ENCRYPTION_OLD_KEYS: `${oldKey.toString('base64url')},${randomBytes(32).toString('base64')}`,
    });
    const cipher = tokenCipherFromConfig(cfg)!;
    expect(cipher.decrypt(new TokenCipher(oldKey).encrypt('t', 'c'), 'c')).toBe('t');
    const empty = mkdtempSync(path.join(os.tmpdir(), 'xms-no-key-'));
    expect(tokenCipherFromConfig(parseConfig({ DATA_DIR: empty }))).toBeUndefined();
  });

  it('without TOKEN_ENCRYPTION_KEY, finds the key npm start generated into DATA_DIR (the variable wins)', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xms-key-'));
    const generated = randomBytes(32).toString('base64');
    writeFileSync(tokenKeyFile(parseConfig({ DATA_DIR: dataDir })), `${generated}\n`, { mode: 0o600 });
    const fromFile = parseConfig({ DATA_DIR: dataDir });
    expect(resolveTokenKey(fromFile)).toEqual({
      key: generated,
      source: path.join(dataDir, 'token-encryption.key'),
    });
    const sealed = new TokenCipher(Buffer.from(generated, 'base64')).encrypt('t', 'c');
    expect(tokenCipherFromConfig(fromFile)!.decrypt(sealed, 'c')).toBe('t');
    const explicit = parseConfig({ DATA_DIR: dataDir, TOKEN_ENCRYPTION_KEY: key.toString('base64') });
    expect(resolveTokenKey(explicit)?.source).toBe('TOKEN_ENCRYPTION_KEY');
    writeFileSync(tokenKeyFile(fromFile), 'not a key');
    expect(() => resolveTokenKey(fromFile)).toThrow(/does not hold a 32-byte base64 key/);
  });
});
