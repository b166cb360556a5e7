import type { Reconciliation } from '../../contract';
import { formatDecimal, parseDecimal, sumDecimal } from '../../money';
import { money, plural } from './format';
import { TableRegion } from './tables';

/**
 * The report's totals: orders and differences as the API counts them, and per currency the sales rows' and the
 * payments rows' amounts added up exactly (src/money.ts: bigints, never a float).
 */
export function ReconciliationTotals({ report }: { report: Reconciliation }) {
  const { totals } = report;
  const clean = totals.rowsWithDifference === 0;
  return (
    <div class={`rec-totals ${clean ? 'rec-clean' : 'rec-differs'}`}>
      <p class="rec-verdict" role="status">
        <span aria-hidden="true">{clean ? '✓ ' : '⚠ '}</span>
        {clean
          ? `No difference: the ${plural(totals.orders, 'order')} of this range match what Xero holds.`
          : `${plural(totals.rowsWithDifference, 'row')} of ${report.rows.length.toLocaleString()} differ, from ${plural(totals.ordersWithDifference, 'order')}.`}
      </p>
      <TableRegion label="Totals">
        <thead>
          <tr>
            <th scope="col">Totals</th>
            <th scope="col" class="num">
              Orders
            </th>
            <th scope="col" class="num">
              Orders’ amount
            </th>
            <th scope="col" class="num">
              In Xero
            </th>
            <th scope="col" class="num">
              Difference
            </th>
          </tr>
        </thead>
        <tbody>
          {totalLines(report).map((t) => (
            <tr key={t.name}>
              <th scope="row">{t.name}</th>
              <td class="num" data-label="Orders">
                {t.orders === null ? '' : t.orders.toLocaleString()}
              </td>
              <td class="num" data-label="Orders’ amount">
                {money(t.ordersAmount, t.currency)}
              </td>
              <td class="num" data-label="In Xero">
                {money(t.xeroAmount, t.currency)}
              </td>
              <td class="num" data-label="Difference">
                {money(t.difference, t.currency)}
              </td>
            </tr>
          ))}
        </tbody>
      </TableRegion>
    </div>
  );
}

/** One line per currency for the sales rows (with the orders) and one for the payments rows. */
function totalLines(report: Reconciliation) {
  const currencies = [...new Set(report.rows.map((r) => r.currency))].sort();
  const several = currencies.length > 1;
  return currencies.flatMap((currency) =>
    (['sales', 'payments'] as const).flatMap((kind) => {
      const rows = report.rows.filter(
        (r) => r.currency === currency && (r.paymentMethod === null) === (kind === 'sales'),
      );
      if (!rows.length) return [];
      const sum = (pick: (r: (typeof rows)[number]) => string) =>
        formatDecimal(sumDecimal(rows.map((r) => parseDecimal(pick(r)))));
      return [
        {
          name: `${kind === 'sales' ? 'Sales' : 'Payments'}${several ? ` (${currency})` : ''}`,
          currency,
          orders: kind === 'sales' ? rows.reduce((n, r) => n + r.orders, 0) : null,
          ordersAmount: sum((r) => r.ordersAmount),
          xeroAmount: sum((r) => r.xeroAmount),
          difference: sum((r) => r.difference),
        },
      ];
    }),
  );
}
