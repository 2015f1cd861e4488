import type { PlanItem } from './api.js';

/** What a run changed, or (a dry run) would change: one row an addition. */
export function PlanTable({ runId, plan, nothingWritten }: { runId: string; plan: PlanItem[]; nothingWritten: boolean }) {
  return (
    <section aria-labelledby="plan-heading">
      <h2 id="plan-heading">{nothingWritten ? 'Plan (not written)' : 'Changes'}</h2>
      <p>
        <a className="button" href={`/api/runs/${runId}/plan.csv`} download>Download plan CSV</a>
      </p>
      <table className="plan">
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Company</th>
            <th scope="col">Agreement</th>
            <th scope="col">SKU</th>
            <th scope="col">Before → after</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {plan.map((p, i) => (
            <tr key={i}>
              <td>{p.customer}</td>
              <td>{p.company}</td>
              <td className="number">{p.agreementId}</td>
              <td><code>{p.sku}</code></td>
              <td className="number">{p.before ?? '—'} → {p.after}</td>
              <td>{p.action}</td>
              <td>{p.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
