import { Columns } from './Columns.js';
import { money, type PlanItem } from './api.js';

/** A code with its name under it: what the administrator knows the customer, company or product by. */
function Named({ code, name }: { code: string | number; name?: string }) {
  return (
    <>
      <code>{code}</code>
      {name && <div className="muted">{name}</div>}
    </>
  );
}

/** A line's change: before → after (and free units), unit price, the monthly change in money, action, outcome. */
export function ChangeCells({ line: p, withUnitPrice = false }: { line: PlanItem; withUnitPrice?: boolean }) {
  return (
    <>
      <td className="number">
        {p.before ?? '—'} → {p.after}
        {p.freeUnits ? <div className="muted">{p.freeUnits} free</div> : null}
      </td>
      {withUnitPrice && <td className="number">{p.unitPrice === undefined ? '—' : p.unitPrice.toFixed(2)}</td>}
      <td className={`number ${(p.amountChange ?? 0) < 0 ? 'decrease' : 'increase'}`}>
        {p.amountChange === undefined ? 'no price' : money(p.amountChange, p.currency)}
      </td>
      <td>{p.action}</td>
      <td>{p.outcome}</td>
    </>
  );
}

/** What a run changed, or (a dry run) would change: one row an addition, with its money. */
export function PlanTable({ runId, plan, nothingWritten }: { runId: string; plan: PlanItem[]; nothingWritten: boolean }) {
  return (
    <section aria-labelledby="plan-heading">
      <h2 id="plan-heading">{nothingWritten ? 'Plan (not written)' : 'Changes'}</h2>
      <p>
        <a className="button" href={`/api/runs/${runId}/plan.csv`} download>
          Download plan CSV
        </a>
      </p>
      {/* Scrolls sideways on a narrow screen; focusable so the keyboard can scroll it too. */}
      <div className="table-scroll" role="region" aria-label="Plan table" tabIndex={0}>
        <table className="plan">
          <Columns
            names={['Customer', 'Company', 'Agreement', 'Product', 'Before → after', 'Unit price', 'Monthly change', 'Action', 'Outcome']}
          />
          <tbody>
            {plan.map((p, i) => (
              <tr key={i}>
                <td>
                  <Named code={p.customer} name={p.customerName} />
                </td>
                <td>
                  <Named code={p.company} name={p.companyName} />
                </td>
                <td>
                  <Named code={p.agreementId} name={p.agreementName} />
                </td>
                <td>
                  <Named code={p.sku} name={p.product} />
                </td>
                <ChangeCells line={p} withUnitPrice />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
