import { Columns } from './Columns.js';
import { useEffect, useState } from 'react';
import { call, duration, localTime, type JobSummary, type RunInfo } from './api.js';
import { StatusBadge } from './StatusBadge.js';

/** A job's run history, newest first. */
export function RunsPage({ jobId }: { jobId: string }) {
  const [job, setJob] = useState<JobSummary | null>(null);
  const [runs, setRuns] = useState<RunInfo[] | null>(null);
  const [message, setMessage] = useState('');
  useEffect(() => {
    call<JobSummary>('GET', `/api/jobs/${jobId}`).then(setJob, () => undefined);
    const load = () => call<RunInfo[]>('GET', `/api/jobs/${jobId}/runs`).then(setRuns, (e: Error) => setMessage(e.message));
    void load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [jobId]);
  return (
    <main id="main">
      <h1 tabIndex={-1}>Runs of {job?.name ?? `job ${jobId}`}</h1>
      <p role="status">{message}</p>
      {runs === null ? (
        <p>Loading…</p>
      ) : runs.length === 0 ? (
        <p>This job has not run yet.</p>
      ) : (
        <table className="runs">
          <Columns names={['Started', 'Duration', 'Status', 'Updated', 'Zeroed', 'Created', 'Planned', 'Skipped', 'Log']} />
          <tbody>
            {runs.map((run) => (
              <tr key={run.runId}>
                <td data-label="Started">
                  <time dateTime={run.startedAt}>{localTime(run.startedAt)}</time>
                </td>
                <td data-label="Duration">{duration(run.durationMs)}</td>
                <td data-label="Status">
                  <StatusBadge status={run.status} />
                  {run.dryRun && <span className="tag">dry run</span>}
                </td>
                <td className="number" data-label="Updated">
                  {run.figures?.written.update ?? '—'}
                </td>
                <td className="number" data-label="Zeroed">
                  {run.figures?.written.zero ?? '—'}
                </td>
                <td className="number" data-label="Created">
                  {run.figures?.written.create ?? '—'}
                </td>
                <td className="number" data-label="Planned">
                  {run.figures?.planned ?? '—'}
                </td>
                <td data-label="Skipped">
                  {run.figures?.skipped.map((s) => `${s.count} ${s.code}`).join(', ') || (run.figures ? '0' : '—')}
                </td>
                <td data-label="Log">
                  <a href={`#/runs/${run.runId}`} aria-label={`Open the run started ${localTime(run.startedAt)}`}>
                    Open
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
