import { useState } from 'preact/hooks';
import type { Reconciliation, ReconciliationCheck } from '../../contract';
import { api, ApiProblem } from './api';
import type { CheckBody } from './api';
import { day, money, plural } from './format';
import { usePageState } from './store';
import { TableRegion } from './tables';

/**
 * "Check against Xero" (docs/reconciliation.md): first its cost (a dry run: the invoices it reads and the calls it
 * makes of the daily limit), then, once confirmed, the check itself, which reports the invoices changed, voided or
 * deleted in Xero since the sync. A refusal (no connection, the daily limit) is shown beside the button.
 */
type Step =
  | { at: 'idle' }
  | { at: 'costing' }
  | { at: 'cost'; cost: ReconciliationCheck }
  | { at: 'running'; cost: ReconciliationCheck }
  | { at: 'done'; result: ReconciliationCheck };

export function XeroCheck(props: { scope: Omit<CheckBody, 'dryRun'>; report: Reconciliation | null }) {
  const [step, setStep] = useState<Step>({ at: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const ask = async (dryRun: boolean, next: Step, then: (answer: ReconciliationCheck) => Step) => {
    setError(null);
    const before = step;
    setStep(next);
    try {
      setStep(then(await api.checkAgainstXero({ ...props.scope, dryRun })));
    } catch (err) {
      setError(checkRefusal(err));
      setStep(before.at === 'costing' || before.at === 'running' ? { at: 'idle' } : before);
    }
  };
  const costFirst = () => void ask(true, { at: 'costing' }, (cost) => ({ at: 'cost', cost }));
  return (
    <section class="xero-check" aria-labelledby="check-title">
      <h3 id="check-title">Check against Xero</h3>
      <p class="muted">
        Reads back from Xero the invoices (with their payments) and credit notes the product wrote for these
        orders, and reports any changed, voided or deleted there since.
      </p>
      <div class="actions check-actions">
        <button
          type="button"
          class="button"
          disabled={step.at === 'costing' || step.at === 'running'}
          onClick={costFirst}
          aria-describedby={error ? 'check-error' : undefined}
        >
          {step.at === 'costing' ? 'Counting…' : 'Check against Xero'}
        </button>
        {error && (
          <p id="check-error" class="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {(step.at === 'cost' || step.at === 'running') && (
        <CheckCost
          cost={step.cost}
          running={step.at === 'running'}
          onConfirm={() =>
            void ask(false, { at: 'running', cost: step.cost }, (result) => ({ at: 'done', result }))
          }
          onCancel={() => setStep({ at: 'idle' })}
        />
      )}
      {step.at === 'done' && <Findings result={step.result} report={props.report} />}
    </section>
  );
}

/** The API's refusal in plain words (the daily limit, no connection), or the problem's own. */
function checkRefusal(err: unknown): string {
  if (!(err instanceof ApiProblem)) return 'Something went wrong; try again.';
  if (err.status === 0) return err.message;
  if (err.status === 503 && /quota|limit/i.test(`${err.title} ${err.detail}`))
    return `Xero’s daily limit is used up, so the check cannot read Xero now: try again after it resets. (${err.message})`;
  if (err.status === 409) return `The check cannot reach Xero: ${err.message}`;
  return `The check was refused: ${err.message}`;
}

function CheckCost(props: {
  cost: ReconciliationCheck;
  running: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { dailyLimit } = usePageState().business!;
  const { invoices, creditNotes, calls } = props.cost;
  if (invoices + creditNotes === 0)
    return (
      <p class="check-cost" role="status">
        Nothing to check: the product holds no invoice or credit note in Xero for these orders.
      </p>
    );
  return (
    <div class="check-cost" role="status">
      <p>
        This reads {plural(invoices + creditNotes, 'document')} from Xero in about {plural(calls, 'call')} (of
        your daily limit of {dailyLimit.calls.toLocaleString()} calls).
      </p>
      <div class="actions">
        <button type="button" class="button primary" disabled={props.running} onClick={props.onConfirm}>
          {props.running ? 'Checking…' : 'Run the check'}
        </button>
        <button type="button" class="button" disabled={props.running} onClick={props.onCancel}>
          Not now
        </button>
      </div>
    </div>
  );
}

/** The documents changed in Xero since the sync, highlighted (an icon and words, not colour alone). */
function Findings({ result, report }: { result: ReconciliationCheck; report: Reconciliation | null }) {
  if (result.findings.length === 0)
    return (
      <p class="check-result rec-clean" role="status">
        <span aria-hidden="true">✓ </span>
        Checked {plural(result.invoices, 'invoice')} and {plural(result.creditNotes, 'credit note')} in Xero:
        none changed, voided or deleted since the sync.
      </p>
    );
  const currencyOf = (d: string, locationId: string) =>
    report?.rows.find((r) => r.day === d && r.locationId === locationId)?.currency ?? null;
  return (
    <div class="check-result">
      <p class="rec-differs-text" role="status">
        <span aria-hidden="true">⚠ </span>
        {plural(result.findings.length, 'document')} of{' '}
        {(result.invoices + result.creditNotes).toLocaleString()} changed in Xero since the sync.
      </p>
      <TableRegion label="Changed in Xero">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Location</th>
            <th scope="col">Order</th>
            <th scope="col">Document</th>
            <th scope="col" class="num">
              Amount
            </th>
            <th scope="col">In Xero now</th>
          </tr>
        </thead>
        <tbody>
          {result.findings.map((f) => (
            <tr key={`${f.document ?? 'invoice'} ${f.documentNumber ?? f.invoiceNumber}`} class="differs">
              <td data-label="Day">{day(f.day)}</td>
              <td data-label="Location">{f.locationName}</td>
              <td data-label="Order">{f.orderNumber}</td>
              <td data-label="Document">
                {f.document === 'credit note' ? 'Credit note ' : 'Invoice '}
                {f.documentNumber ?? f.invoiceNumber}
              </td>
              <td data-label="Amount" class="num">
                {money(f.amount, currencyOf(f.day, f.locationId))}
              </td>
              <td data-label="In Xero now">
                <strong class="bad-text">
                  <span aria-hidden="true">⚠ </span>
                  {f.what.charAt(0).toUpperCase() + f.what.slice(1)}
                </strong>
                <span class="muted block">
                  Status {f.xeroStatus}
                  {f.xeroTotal !== null && `, total ${money(f.xeroTotal, currencyOf(f.day, f.locationId))}`}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </TableRegion>
    </div>
  );
}
