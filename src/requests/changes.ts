import { NotFound } from '../errors';
import { connectionViewsOf } from '../xero/connection-store';
import type { XeroConnectionView } from '../contract';
import { describeRequest } from './history';
import type { DetailDeps } from './history';

/**
 * The merchant page's live updates: one change feed per API process, whatever the number of open pages. While
 * any page is open it looks at PostgreSQL once per interval, in one statement for every business with a page
 * open: the open requests of those businesses and the requests whose row changed lately, each with a version
 * (its row's and its progress row's updated_at). A request whose version moved is described once (the same
 * detail as GET /api/sync-requests/:id) and handed to every page of its business. The connection's status is
 * read in the same tick. A page that joins is first handed the detail of every open request of its business.
 */
export type RequestDetail = Awaited<ReturnType<typeof describeRequest>>;

export type FeedEvent =
  { kind: 'request'; request: RequestDetail } | { kind: 'connection'; connection: XeroConnectionView };

export type FeedListener = (event: FeedEvent) => void;

interface Subscriber {
  listener: FeedListener;
  /** Has been handed the business's open requests and connection. */
  primed: boolean;
}

interface Watch {
  subscribers: Set<Subscriber>;
  /** request id -> the version last handed out. */
  versions: Map<string, string>;
  connection: string | null;
}

interface Changed {
  id: string;
  business_id: string;
  version: string;
}

// A row committed late can carry an updated_at slightly before the previous look: look back this far.
const LOOK_BACK = "interval '10 seconds'";

export class ChangeFeed {
  private readonly watches = new Map<string, Watch>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private since: string | null = null;

  constructor(
    private readonly deps: DetailDeps,
    private readonly options: { intervalMs: number; onError: (err: unknown) => void },
  ) {}

  /** Starts handing the business's changes to `listener`; the returned function stops it. */
  subscribe(businessId: string, listener: FeedListener): () => void {
    const watch = this.watches.get(businessId) ?? {
      subscribers: new Set(),
      versions: new Map(),
      connection: null,
    };
    this.watches.set(businessId, watch);
    const subscriber: Subscriber = { listener, primed: false };
    watch.subscribers.add(subscriber);
    this.schedule(0);
    return () => {
      watch.subscribers.delete(subscriber);
      if (watch.subscribers.size === 0) this.watches.delete(businessId);
    };
  }

  /** Open pages, for the scaling notes (docs/manual-syncing-page.md "Live updates") and tests. */
  get pages(): number {
    let n = 0;
    for (const w of this.watches.values()) n += w.subscribers.size;
    return n;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watches.clear();
  }

  private schedule(delayMs: number): void {
    if (this.running || this.watches.size === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    try {
      const businessIds = [...this.watches.keys()];
      const [changed, connections] = await Promise.all([
        this.changedRequests(businessIds),
        connectionViewsOf(this.deps.db, businessIds),
      ]);
      await Promise.all(
        businessIds.map((id) =>
          this.handOut(
            id,
            changed.filter((c) => c.business_id === id),
            connections.get(id),
          ),
        ),
      );
    } catch (err) {
      this.options.onError(err);
    } finally {
      this.running = false;
      this.schedule(this.options.intervalMs);
    }
  }

  private async changedRequests(businessIds: string[]): Promise<Changed[]> {
    const { rows } = await this.deps.db.query<{ now: string; changed: Changed[] }>(
      `WITH changed AS (
         SELECT r.id, r.business_id, r.updated_at::text || '|' || COALESCE(p.updated_at::text, '') AS version
         FROM sync_requests r LEFT JOIN sync_request_progress p ON p.request_id = r.id
         WHERE r.business_id = ANY($1) AND (r.closed_at IS NULL OR r.updated_at > $2::timestamptz - ${LOOK_BACK}))
       SELECT now()::text AS now, COALESCE((SELECT json_agg(changed) FROM changed), '[]') AS changed`,
      [businessIds, this.since ?? '-infinity'],
    );
    this.since = rows[0]!.now;
    return rows[0]!.changed;
  }

  private async handOut(
    businessId: string,
    changed: Changed[],
    connection: XeroConnectionView | undefined,
  ): Promise<void> {
    const watch = this.watches.get(businessId);
    if (!watch) return;
    // Pages that join while this look runs wait for the next one.
    const subscribers = [...watch.subscribers];
    const fresh = changed.filter((c) => watch.versions.get(c.id) !== c.version);
    const newcomers = subscribers.filter((s) => !s.primed);
    // Newcomers get every request of the look (the open ones and those just closed); the others what moved.
    const wanted = newcomers.length ? changed : fresh;
    const details = await this.describeAll(businessId, wanted);
    const seen = new Set(changed.map((c) => c.id));
    for (const id of watch.versions.keys()) if (!seen.has(id)) watch.versions.delete(id);
    for (const c of changed) if (details.has(c.id)) watch.versions.set(c.id, c.version);
    const freshIds = new Set(fresh.map((c) => c.id));
    const connectionEvent: FeedEvent = {
      kind: 'connection',
      connection: connection ?? {
        status: 'not_connected',
        kind: null,
        tenantId: null,
        tenantName: null,
        lastError: null,
      },
    };
    const connectionVersion = JSON.stringify(connectionEvent.connection);
    const connectionMoved = watch.connection !== null && watch.connection !== connectionVersion;
    watch.connection = connectionVersion;
    for (const subscriber of subscribers) {
      const newcomer = !subscriber.primed;
      for (const [id, request] of details)
        if (newcomer || freshIds.has(id)) subscriber.listener({ kind: 'request', request });
      if (newcomer || connectionMoved) subscriber.listener(connectionEvent);
      subscriber.primed = true;
    }
  }

  /** Each request described once, however many pages show it; one that cannot be described now is retried. */
  private async describeAll(businessId: string, wanted: Changed[]): Promise<Map<string, RequestDetail>> {
    const out = new Map<string, RequestDetail>();
    await Promise.all(
      wanted.map(async (c) => {
        try {
          out.set(c.id, await describeRequest(this.deps, businessId, c.id));
        } catch (err) {
          if (!(err instanceof NotFound)) this.options.onError(err);
        }
      }),
    );
    return out;
  }
}
