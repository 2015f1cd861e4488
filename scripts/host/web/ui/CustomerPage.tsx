import { useEffect, useState } from 'react';
import { Columns } from './Columns.js';
import { ErrorNotice } from './Notice.js';
import { ChangeCells } from './PlanTable.js';
import { StatusBadge } from './StatusBadge.js';
import { call, localTime, money, type JobSummary, type PlanItem } from './api.js';

interface CustomerRun {
  runId: string;
  startedAt: string;
  status: string;
  trigger?: string;
  dryRun?: boolean;
  period?: { startDate: string; endDate: string };
  lines: PlanItem[];
  moneyChange: number | null;
  warnings: number;
  errors: number;
}

/** One customer across a job's runs, newest first: what each run changed or planned for it, in quantities and money. */
export function CustomerPage({ jobId, customer }: { jobId: string; customer: string }) {
  const [job, setJob] = useState<JobSummary | null>(null);
  const [data, setData] = useState<{ customer: string; customerName?: string; runs: CustomerRun[] } | null>(null);
  const [failure, setFailure] = useState('');
  useEffect(() => {
    call<JobSummary>('GET', `/api/jobs/${jobId}`).then(setJob, () => undefined);
    call<typeof data>('GET', `/api/jobs/${jobId}/customers/${encodeURIComponent(customer)}`).then(setData, (e: Error) =>
      setFailure(e.message),
    );
  }, [jobId, customer]);
  const name = data?.customerName ? ` — ${data.customerName}` : '';
  return (
    <main id="main">
      <h1 tabIndex={-1}>
        Customer {customer}
        {name}
      </h1>
      <p>
        Its lines in every run of <a href={`#/jobs/${jobId}/runs`}>{job?.name ?? `job ${jobId}`}</a>, newest first.
      </p>
      <ErrorNotice message={failure} />
      {data === null ? (
        !failure && <p>Loading…</p>
      ) : data.runs.length === 0 ? (
        <p>No run of this job has named this customer.</p>
      ) : (
        <div className="table-scroll" role="region" aria-label="Customer's lines across runs" tabIndex={0}>
          <table className="plan customer-history">
            <Columns names={['Run', 'Period', 'Status', 'Product', 'Before → after', 'Monthly change', 'Action', 'Outcome']} />
            <tbody>
              {data.runs.flatMap((run) => {
                const runCell = (
                  <>
                    <a href={`#/runs/${run.runId}?customer=${encodeURIComponent(customer)}`}>
                      <time dateTime={run.startedAt}>{localTime(run.startedAt)}</time>
                    </a>
                    {run.dryRun && <span className="tag">dry run</span>}
                    <div className="muted">
                      {run.moneyChange === null ? '' : `${money(run.moneyChange, run.lines.find((l) => l.currency)?.currency)} a month`}
                      {run.warnings + run.errors > 0 ? ` · ${run.warnings} warnings, ${run.errors} errors` : ''}
                    </div>
                  </>
                );
                const period = run.period ? `to ${run.period.endDate}` : '—';
                if (run.lines.length === 0)
                  return [
                    <tr key={run.runId}>
                      <td>{runCell}</td>
                      <td>{period}</td>
                      <td>
                        <StatusBadge status={run.status} />
                      </td>
                      <td colSpan={5} className="muted">
                        No line changed; see its log for this customer.
                      </td>
                    </tr>,
                  ];
                return run.lines.map((p, i) => (
                  <tr key={`${run.runId}-${i}`}>
                    <td>{i === 0 ? runCell : null}</td>
                    <td>{i === 0 ? period : null}</td>
                    <td>{i === 0 ? <StatusBadge status={run.status} /> : null}</td>
                    <td>
                      <code>{p.sku}</code>
                      {p.product && <div className="muted">{p.product}</div>}
                    </td>
                    <ChangeCells line={p} />
                  </tr>
                ));
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
