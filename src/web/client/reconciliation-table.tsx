import { useState } from 'preact/hooks';
import type { Reconciliation } from '../../contract';
import { parseDecimal } from '../../money';
import { day, money, plural } from './format';
import { Pager, TableRegion } from './tables';

/**
 * The reconciliation's rows. A year is about 1,100 rows: the table shows the rows with a difference by default
 * (every row behind a toggle), 50 to a page. A row with a difference says so in words and with an icon, not by
 * colour alone, and opens onto the orders behind it with why.
 */
const PAGE_SIZE = 50;

type Row = Reconciliation['rows'][number];

const differs = (r: Row) => parseDecimal(r.difference) !== 0n || r.differences.length > 0;

export function ReconciliationTable({ report }: { report: Reconciliation }) {
  const withDifference = report.rows.filter(differs);
  const [onlyDifferences, setOnlyDifferences] = useState(withDifference.length > 0);
  const [pageIndex, setPageIndex] = useState(0);
  const rows = onlyDifferences ? withDifference : report.rows;
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const at = Math.min(pageIndex, pages - 1);
  const toggle = (checked: boolean) => {
    setOnlyDifferences(checked);
    setPageIndex(0);
  };
  return (
    <section class="orders" aria-labelledby="rec-rows-title">
      <h3 id="rec-rows-title">
        Rows <span class="muted">({report.rows.length.toLocaleString()})</span>
      </h3>
      <label class="choice">
        <input type="checkbox" checked={onlyDifferences} onChange={(e) => toggle(e.currentTarget.checked)} />
        Only rows with a difference ({withDifference.length.toLocaleString()})
      </label>
      {rows.length === 0 ? (
        <p class="muted">No row has a difference. Untick the box above to see every row.</p>
      ) : (
        <RowsTable rows={rows.slice(at * PAGE_SIZE, (at + 1) * PAGE_SIZE)} />
      )}
      {pages > 1 && (
        <Pager
          label="Reconciliation pages"
          onPrevious={at === 0 ? null : () => setPageIndex(at - 1)}
          onNext={at + 1 >= pages ? null : () => setPageIndex(at + 1)}
        >
          Page {at + 1} of {pages} · {plural(rows.length, 'row')}
        </Pager>
      )}
    </section>
  );
}

function RowsTable({ rows }: { rows: Row[] }) {
  return (
    <TableRegion label="Reconciliation rows">
      <thead>
        <tr>
          <th scope="col">Day</th>
          <th scope="col">Location</th>
          <th scope="col">Row</th>
          <th scope="col" class="num">
            Orders
          </th>
          <th scope="col" class="num">
            Orders’ amount
          </th>
          <th scope="col">In Xero</th>
          <th scope="col">Difference</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            key={`${r.day} ${r.locationId} ${r.currency} ${r.paymentMethod ?? ''}`}
            class={differs(r) ? 'differs' : undefined}
          >
            <td data-label="Day">{day(r.day)}</td>
            <td data-label="Location">{r.locationName}</td>
            <td data-label="Row">{r.paymentMethod === null ? 'Sales' : `Payments: ${r.paymentMethod}`}</td>
            <td data-label="Orders" class="num">
              {r.orders.toLocaleString()}
            </td>
            <td data-label="Orders’ amount" class="num">
              {money(r.ordersAmount, r.currency)}
            </td>
            <td data-label="In Xero">
              <XeroCell row={r} />
            </td>
            <td data-label="Difference">
              <DifferenceCell row={r} />
            </td>
          </tr>
        ))}
      </tbody>
    </TableRegion>
  );
}

/** What Xero holds: the amount, and of what (invoices less credit notes, or payments), with how many documents. */
function XeroCell({ row: r }: { row: Row }) {
  if (r.paymentMethod !== null)
    return (
      <>
        {money(r.xeroAmount, r.currency)}{' '}
        <span class="muted block">{plural(r.xeroDocuments, 'payment')}</span>
      </>
    );
  return (
    <>
      {money(r.xeroAmount, r.currency)}
      <span class="muted block">
        {plural(r.xeroDocuments, 'document')}: invoices {money(r.xeroInvoices, r.currency)}, credit notes{' '}
        {money(r.xeroCreditNotes, r.currency)}
      </span>
    </>
  );
}

function DifferenceCell({ row: r }: { row: Row }) {
  if (!differs(r))
    return (
      <span class="ok-text">
        <span aria-hidden="true">✓ </span>Matches
      </span>
    );
  return (
    <>
      <strong class="bad-text">
        <span aria-hidden="true">⚠ </span>Differs by {money(r.difference, r.currency)}
      </strong>
      <details>
        <summary>{plural(r.differences.length, 'order')} behind it</summary>
        <ul class="rec-orders">
          {r.differences.map((d) => (
            <li key={d.orderId}>
              <strong>{d.orderNumber}</strong>
              {d.invoiceNumber ? ` (invoice ${d.invoiceNumber})` : ' (not in Xero)'}: the order{' '}
              {money(d.expected, r.currency)}, in Xero {money(d.inXero, r.currency)}. <em>Why:</em> {d.why}
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}
