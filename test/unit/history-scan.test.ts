import { newApiKeyText } from '../../src/api-keys/store';
import { IdentityStore } from '../../src/xero-sim/identity-store';
import { DEMO_CLIENT_SECRET } from '../../src/xero-sim/options';
import { temporal } from '@temporalio/proto';
import { findSecretsInEvents, SECRET_PATTERNS } from '../support/history-scan';

const { EventType } = temporal.api.enums.v1;
const bytes = (text: string) => new TextEncoder().encode(text);
const jsonPayload = (value: unknown) => ({
  metadata: { encoding: bytes('json/plain') },
  data: bytes(JSON.stringify(value)),
});

function started(input: unknown, memo: Record<string, unknown> = {}): temporal.api.history.v1.IHistoryEvent {
  return {
    eventId: 1 as never,
    eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    workflowExecutionStartedEventAttributes: {
      workflowType: { name: 'manualSync' },
      input: { payloads: [jsonPayload(input)] },
      memo: { fields: Object.fromEntries(Object.entries(memo).map(([k, v]) => [k, jsonPayload(v)])) },
    },
  };
}

describe('the workflow history secret scanner', () => {
  const simTokens = new IdentityStore({ accessMs: 60_000, refreshMs: 60_000, graceMs: 0 }).issue(
    { clientId: 'demo-client', tenantIds: ['t'], authEventId: 'auth-event', scopes: ['offline_access'] },
    true,
    Date.now(),
  );

  it('recognises the shape of every secret this system issues', () => {
    const kindsOf = (text: string) =>
      SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(({ kind }) => kind);
    expect(kindsOf(newApiKeyText())).toEqual(['API key']);
    expect(kindsOf(simTokens.access_token)).toEqual(['Xero access token (simulator)']);
    expect(kindsOf(simTokens.refresh_token!)).toEqual(['Xero refresh token (simulator)']);
    expect(kindsOf(DEMO_CLIENT_SECRET)).toEqual(['test secret "demo…"']);
    expect(kindsOf('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVz')).toContain(
      'JWT (Xero access token)',
    );
    expect(kindsOf(`Authorization: Bearer ${'A'.repeat(30)}`)).toEqual(['Bearer credential']);
  });

  it('finds secrets in decoded payloads, memo fields and failure messages, naming the event', () => {
    const failed: temporal.api.history.v1.IHistoryEvent = {
      eventId: 7 as never,
      eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
      activityTaskFailedEventAttributes: {
        failure: {
          message: `request failed: {"headers":{"Authorization":"Bearer ${simTokens.access_token}"}}`,
          stackTrace: 'at syncBatch',
        },
      },
    };
    const findings = findSecretsInEvents([
      started({ businessId: 'biz', apiKey: newApiKeyText() }, { xero: { refresh: simTokens.refresh_token } }),
      failed,
    ]);
    expect(findings).toEqual([
      {
        eventId: '1',
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        kind: 'API key',
        redacted: 'xms_' + findings[0]!.redacted.slice(4),
      },
      expect.objectContaining({ eventId: '1', kind: 'Xero refresh token (simulator)' }),
      expect.objectContaining({
        eventId: '7',
        eventType: 'EVENT_TYPE_ACTIVITY_TASK_FAILED',
        kind: 'Xero access token (simulator)',
      }),
      expect.objectContaining({ eventId: '7', kind: 'Bearer credential' }),
    ]);
    // The report shows the start of a match only, never the secret.
    for (const f of findings) expect(f.redacted.length).toBeLessThanOrEqual(8);
  });

  it('finds nothing in a clean history', () => {
    const clean = started(
      { businessId: 'biz_demo', channel: 'pos', startDate: '2025-07-01', endDate: '2025-07-31' },
      { requestedBy: 'xms_key-id-only' },
    );
    expect(findSecretsInEvents([clean])).toEqual([]);
  });
});
