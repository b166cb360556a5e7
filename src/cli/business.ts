import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { settingsView } from '../businesses/settings';
import { getBusiness, insertBusiness } from '../businesses/store';
import { createPageLink } from '../sessions/store';
import { isValidTimeZone } from '../calendar';
import { ConnectionStore } from '../xero/connection-store';
import { ConnectionError, XeroConnections } from '../xero/connections';
import { xeroForCli } from '../xero/local-xero';
import { requireTokenCipher, tokenCipherFromConfig } from '../xero/token-crypto';
import { resumeAfterReconnect } from './temporal';
import { EXIT, UsageError, withDatabase } from './run';
import type { Outcome } from './run';

/** A business's commands. They print their own messages; nothing here prints a token or a secret. */
export function registerBusiness(program: Command, outcome: Outcome): void {
  const business = program.command('business').description('Businesses and their Xero connection.');
  business
    .command('create')
    .description('Create a business (default settings, no Xero connection).')
    .option('--id <id>', 'the platform’s business id, e.g. biz_acme')
    .option('--name <name>', 'the business’s display name')
    .option('--time-zone <tz>', 'IANA time zone of its orders', 'UTC')
    .action(async (opts: CreateOptions) => {
      const valid = checkCreate(opts);
      outcome.code = await withDatabase((db) => createBusiness(db, valid));
    });
  business
    .command('show')
    .description('The business, its settings and its Xero connection status (never a token).')
    .argument('<id>', 'the business id')
    .action(async (id: string) => {
      outcome.code = await withDatabase((db, cfg) => showBusiness(cfg, db, id));
    });
  business
    .command('page-link')
    .description(
      'A link to the business’s Manual Syncing page (as POST /api/page-links gives the platform): it works once, ' +
        'for PAGE_LINK_SECONDS, and opens a browser session for this business only.',
    )
    .argument('<id>', 'the business id')
    .action(async (id: string) => {
      outcome.code = await withDatabase(async (db, cfg) => {
        if (!(await getBusiness(db, id)))
          throw new UsageError(`no business ${JSON.stringify(id)}; create it first`);
        const link = await createPageLink(db, id, cfg.PAGE_LINK_SECONDS);
        console.error(`Manual Syncing page of ${id} (works once, until ${link.expiresAt.toISOString()}):`);
        console.log(`${cfg.publicUrl}/manual-sync/open?token=${link.token}`);
        return EXIT.ok;
      });
    });
  business
    .command('connect-custom')
    .description(
      'Connect a business through a Xero Custom Connection (client_credentials). Checked against Xero before it ' +
        'is stored (encrypted). The secret can also come from XERO_CUSTOM_CLIENT_SECRET, or stdin, so it stays ' +
        'out of shell history.',
    )
    .requiredOption('--business <id>', 'the business to connect')
    .requiredOption('--client-id <id>', 'the Custom Connection’s client id')
    .option('--client-secret <secret>', 'its client secret')
    .option('--client-secret-stdin', 'read the client secret from the first line of stdin')
    .action(async (opts: ConnectOptions) => {
      const secret = clientSecretOf(opts);
      outcome.code = await withDatabase((db, cfg) => connectCustom(cfg, db, opts, secret));
    });
}

interface CreateOptions {
  id?: string;
  name?: string;
  timeZone: string;
}

const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Every problem of the flags at once, so one run says all that needs fixing. */
function checkCreate(opts: CreateOptions): { id: string; name: string; timeZone: string } {
  const problems: string[] = [];
  if (!opts.id) problems.push('--id ID is required');
  else if (!BUSINESS_ID.test(opts.id))
    problems.push(
      `--id ${JSON.stringify(opts.id)}: use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit (e.g. biz_acme)`,
    );
  const name = opts.name?.trim();
  if (!name) problems.push('--name NAME is required (the business’s display name)');
  else if (name.length > 200) problems.push('--name must be at most 200 characters');
  if (!isValidTimeZone(opts.timeZone))
    problems.push(
      `--time-zone ${JSON.stringify(opts.timeZone)} is not an IANA time zone such as Asia/Singapore`,
    );
  if (problems.length) throw new UsageError(`business create: ${problems.join('; ')}`);
  return { id: opts.id!, name: name!, timeZone: opts.timeZone };
}

async function createBusiness(db: Db, b: { id: string; name: string; timeZone: string }): Promise<number> {
  if (!(await insertBusiness(db, b))) {
    console.error(`Business ${b.id} already exists; see it with: npm run cli -- business show ${b.id}`);
    return EXIT.failed;
  }
  console.log(`Created business ${b.id} ("${b.name}", time zone ${b.timeZone}), not connected to Xero.`);
  console.log(
    `Next: npm run cli -- business connect-custom --business ${b.id} …, or the OAuth flow (GET /xero/connect); ` +
      `then npm run cli -- keys create --business ${b.id}.`,
  );
  return EXIT.ok;
}

async function showBusiness(cfg: Config, db: Db, id: string): Promise<number> {
  const business = await getBusiness(db, id);
  if (!business) {
    console.error(
      `No business ${JSON.stringify(id)}; create it with: npm run cli -- business create --id ID --name NAME`,
    );
    return EXIT.failed;
  }
  console.log(`Business:  ${business.id} ("${business.name}")`);
  console.log(`Time zone: ${business.timeZone}`);
  const cipher = tokenCipherFromConfig(cfg);
  // The summary holds no token or secret (connection-store.ts): kind, organisation, status, last error.
  const connection = cipher ? await new ConnectionStore(db, cipher).summary(id) : undefined;
  if (connection === undefined) console.log('Xero:      unknown (TOKEN_ENCRYPTION_KEY is not set)');
  else if (connection === null) console.log('Xero:      not connected');
  else {
    const org = `${connection.tenantName ? `${connection.tenantName} ` : ''}(${connection.tenantId})`;
    console.log(
      `Xero:      ${connection.status}, ${connection.kind === 'custom' ? 'Custom Connection' : 'OAuth'}, ${org}`,
    );
    if (connection.lastError) console.log(`           last error: ${connection.lastError}`);
  }
  console.log('Settings:');
  console.log(JSON.stringify(settingsView(business.timeZone, business.settings), null, 2));
  return EXIT.ok;
}

interface ConnectOptions {
  business: string;
  clientId: string;
  clientSecret?: string;
  clientSecretStdin?: boolean;
}

function clientSecretOf(opts: ConnectOptions): string {
  const secret =
    opts.clientSecret ??
    (opts.clientSecretStdin ? readFileSync(0, 'utf8').split('\n')[0]?.trim() : undefined) ??
    process.env.XERO_CUSTOM_CLIENT_SECRET;
  if (!secret)
    throw new UsageError(
      'business connect-custom needs the client secret (--client-secret, --client-secret-stdin, or XERO_CUSTOM_CLIENT_SECRET)',
    );
  return secret;
}

/** Verifies the credentials with Xero, stores them sealed, and resumes the requests waiting for a reconnect. */
async function connectCustom(
  cfg: Config,
  db: Db,
  opts: ConnectOptions,
  clientSecret: string,
): Promise<number> {
  // The Xero of the npm start running beside, if this shell names none (its simulator, or its real Xero).
  const xero = xeroForCli(cfg);
  console.log(xero.says);
  const connections = XeroConnections.fromConfig(
    { ...cfg, XERO_API_URL: xero.apiUrl, XERO_IDENTITY_URL: xero.identityUrl },
    db,
    requireTokenCipher(cfg),
  );
  try {
    const connected = await connections.connectCustom(opts.business, {
      clientId: opts.clientId,
      clientSecret,
    });
    console.log(
      `Connected ${connected.businessId} to Xero organisation ${connected.tenantName ?? ''} (${connected.tenantId}) through a Custom Connection.`,
    );
  } catch (err) {
    if (!(err instanceof ConnectionError)) throw err;
    console.error(err.message);
    return EXIT.failed;
  }
  await resumeAfterReconnect(cfg, opts.business);
  return EXIT.ok;
}
