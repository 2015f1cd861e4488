import { Columns } from './Columns.js';
import type { PlanItem } from './api.js';

/** What a run changed, or (a dry run) would change: one row an addition. */
export function PlanTable({ runId, plan, nothingWritten }: { runId: string; plan: PlanItem[]; nothingWritten: boolean }) {
  return (
    <section aria-labelledby="plan-heading">
      <h2 id="plan-heading">{nothingWritten ? 'Plan (not written)' : 'Changes'}</h2>
      <p>
        <a className="button" href={`/api/runs/${runId}/plan.csv`} download>
          Download plan CSV
        </a>
      </p>
      <table className="plan">
        <Columns names={['Customer', 'Company', 'Agreement', 'SKU', 'Before → after', 'Action', 'Outcome']} />
        <tbody>
          {plan.map((p, i) => (
            <tr key={i}>
              <td>{p.customer}</td>
              <td>{p.company}</td>
              <td className="number">{p.agreementId}</td>
              <td>
                <code>{p.sku}</code>
              </td>
              <td className="number">
                {p.before ?? '—'} → {p.after}
              </td>
              <td>{p.action}</td>
              <td>{p.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
