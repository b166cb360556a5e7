import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { nextAttemptAt } from '../../src/webhooks/deliver';
import {
  deliveryIdOf,
  eventIdOf,
  eventTypeOf,
  payloadOf,
  WebhookEventPayload,
} from '../../src/webhooks/events';
import { newWebhookSecret, signedHeaders } from '../../src/webhooks/signing';

describe('webhook signatures (Standard Webhooks)', () => {
  it('signs the specification’s example exactly as its reference signature', () => {
    // The example of the Standard Webhooks specification and its libraries' tests.
    const headers = signedHeaders(
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      new Date(1614265330 * 1000),
      '{"test": 2432232314}',
    );
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('is HMAC-SHA256 of "id.timestamp.body" keyed by the decoded secret, one signature per secret', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    expect(current).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const at = new Date();
    const body = JSON.stringify({ type: 'sync_request.completed', data: { id: 'sr_1' } });
    const headers = signedHeaders([current, previous], 'evt_1', at, body);
    const hmac = (secret: string) =>
      createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
        .update(`evt_1.${headers['webhook-timestamp']}.${body}`)
        .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${hmac(current)} v1,${hmac(previous)}`);
    // Any Standard Webhooks library verifies it with either secret, and refuses another body.
    expect(new Webhook(current).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, { ...headers })).toThrow();
  });
});

describe('webhook events', () => {
  it('names the event after the state, submitted for a queued request', () => {
    expect(eventTypeOf('queued')).toBe('sync_request.submitted');
    expect(eventTypeOf('waiting_for_quota')).toBe('sync_request.waiting_for_quota');
    expect(eventTypeOf('completed_with_errors')).toBe('sync_request.completed_with_errors');
  });

  it('derives the same event id from the same activity (a retry), another from any other', () => {
    const id = eventIdOf('sr_1', 'run-1', '7');
    expect(id).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(eventIdOf('sr_1', 'run-1', '7')).toBe(id);
    expect(new Set([id, eventIdOf('sr_1', 'run-1', '8'), eventIdOf('sr_1', 'run-2', '7')]).size).toBe(3);
    expect(deliveryIdOf(id, 'wh_a')).not.toBe(deliveryIdOf(id, 'wh_b'));
    expect(deliveryIdOf(id, 'wh_a')).toMatch(/^whd_[0-9a-f]{24}$/);
  });

  it('carries resumeAt only while waiting for the quota, and fits the documented payload', () => {
    const snapshot = {
      requestId: 'sr_1',
      businessId: 'biz_1',
      channel: 'pos',
      locationId: null,
      startDate: '2026-01-01',
      endDate: '2026-01-31',
      expected: 10,
      counts: { found: 4, synced: 3, failed: 0, skipped: 1 },
      resumeAt: '2026-02-01T11:00:00.000Z',
      resumeAtIsReset: true,
      lastError: null,
      retryOf: null,
    };
    const at = new Date('2026-02-01T10:00:00Z');
    const waiting = payloadOf({ ...snapshot, state: 'waiting_for_quota' }, at);
    expect(waiting).toMatchObject({
      type: 'sync_request.waiting_for_quota',
      timestamp: '2026-02-01T10:00:00.000Z',
      data: { resumeAt: '2026-02-01T11:00:00.000Z', resumeAtIsReset: true, locationId: 'all' },
    });
    expect(WebhookEventPayload.parse(waiting)).toEqual(waiting);
    const running = payloadOf({ ...snapshot, state: 'running' }, at);
    expect(running.data).toMatchObject({ resumeAt: null, resumeAtIsReset: false });
    expect(running.data.links).toEqual({
      self: '/api/sync-requests/sr_1',
      orders: '/api/sync-requests/sr_1/orders',
    });
  });
});

describe('webhook retries', () => {
  const policy = { backoffInitialMs: 5000, backoffMaxMs: 3_600_000, retryForMs: 86_400_000 };
  const first = new Date('2026-01-01T00:00:00Z');

  it('doubles the wait after each failed attempt, at most an hour apart', () => {
    const now = new Date('2026-01-01T01:00:00Z');
    const delays = [1, 2, 3, 4, 10, 11, 12, 20].map(
      (n) => nextAttemptAt(policy, first, n, now)!.getTime() - now.getTime(),
    );
    expect(delays).toEqual([5000, 10_000, 20_000, 40_000, 2_560_000, 3_600_000, 3_600_000, 3_600_000]);
  });

  it('has no next attempt past 24 hours after the first', () => {
    expect(nextAttemptAt(policy, first, 30, new Date('2026-01-01T23:30:00Z'))).toBeNull();
    expect(nextAttemptAt(policy, first, 30, new Date('2026-01-01T22:59:00Z'))).not.toBeNull();
  });
});
