import { config } from '../config';
import type { Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import type { Db } from '../db/pool';
import { resolveDatabase } from '../db/resolve';

/** Exit codes of every command: done, failed (the message says why), and bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how a command was called: its message is printed and the CLI exits 2. */
export class UsageError extends Error {}

export type CommandBody = (db: Db, cfg: Config) => Promise<number>;

/**
 * Runs one command's body against the database: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (started
 * for the command if npm start is not running), migrated first. Returns the body's exit code.
 */
export async function withDatabase(body: CommandBody): Promise<number> {
  const cfg = config();
  const database = await resolveDatabase(cfg);
  const db = createPool(database.databaseUrl);
  try {
    await migrate(db);
    return await body(db, cfg);
  } finally {
    await db.end();
    await database.stop();
  }
}

/** What the program's actions report back: the exit code of the command that ran. */
export interface Outcome {
  code: number;
}
