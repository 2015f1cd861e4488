import { Columns } from './Columns.js';
import { useCallback, useEffect, useState } from 'react';
import { ErrorNotice } from './Notice.js';
import { call, duration, localTime, money, type JobSummary, type RunInfo } from './api.js';

import { RunChart } from './RunChart.js';
import { StatusBadge } from './StatusBadge.js';

const TRIGGERS: Record<string, string> = {
  schedule: 'Schedule',
  'run-now': 'Run now',
  'command-line': 'Command line',
  apply: 'Apply',
  approval: 'Approval',
  revert: 'Revert',
};

/** A job's run history, newest first; without a job, every run (those of deleted jobs too). */
export function RunsPage({ jobId }: { jobId?: string }) {
  const [job, setJob] = useState<JobSummary | null>(null);
  const [runs, setRuns] = useState<RunInfo[] | null>(null);
  const [message, setMessage] = useState('');
  const load = useCallback(
    () =>
      call<RunInfo[]>('GET', jobId ? `/api/jobs/${jobId}/runs` : '/api/runs').then(
        (list) => {
          setRuns(list);
          setMessage('');
        },
        (e: Error) => setMessage(e.message),
      ),
    [jobId],
  );
  useEffect(() => {
    if (jobId) call<JobSummary>('GET', `/api/jobs/${jobId}`).then(setJob, () => undefined);
    void load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [jobId, load]);
  const all = jobId === undefined;
  return (
    <main id="main">
      <h1 tabIndex={-1}>{all ? 'All runs' : `Runs of ${job?.name ?? `job ${jobId}`}`}</h1>
      {!all && (
        <p>
          <a href="#/runs">All runs, of every job</a>
        </p>
      )}
      <ErrorNotice message={message} onRetry={() => void load()} />
      {runs === null ? (
        <p>Loading…</p>
      ) : runs.length === 0 ? (
        <p>{all ? 'No job has run yet.' : 'This job has not run yet.'}</p>
      ) : (
        <>
          {!all && <RunChart runs={runs} />}
          <div className="table-scroll" role="region" aria-label="Runs table" tabIndex={0}>
            <table className="runs">
              <Columns
                names={[
                  ...(all ? ['Job'] : []),
                  'Started',
                  'Period',
                  'Trigger',
                  'Duration',
                  'Status',
                  'Monthly change',
                  'Updated',
                  'Zeroed',
                  'Created',
                  'Planned',
                  'Skipped',
                  'Log',
                ]}
              />
              <tbody>
                {runs.map((run) => (
                  <tr key={run.runId}>
                    {all && (
                      <td data-label="Job">
                        {run.jobDeleted ? (
                          <>
                            {run.jobName} <span className="tag">deleted</span>
                          </>
                        ) : (
                          <a href={`#/jobs/${run.jobId}/runs`}>{run.jobName}</a>
                        )}
                      </td>
                    )}
                    <td data-label="Started">
                      <time dateTime={run.startedAt}>{localTime(run.startedAt)}</time>
                    </td>
                    <td data-label="Period">{run.period ? `to ${run.period.endDate}` : '—'}</td>
                    <td data-label="Trigger">{TRIGGERS[run.trigger ?? ''] ?? '—'}</td>
                    <td data-label="Duration">{duration(run.durationMs)}</td>
                    <td data-label="Status">
                      <StatusBadge status={run.status} />
                      {run.dryRun && <span className="tag">dry run</span>}
                    </td>
                    <td className="number" data-label="Monthly change">
                      {run.figures && run.figures.money.priced > 0
                        ? money(run.figures.money.change, run.figures.money.currency)
                        : run.figures && run.changes === 0
                          ? '0.00'
                          : '—'}
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
          </div>
        </>
      )}
    </main>
  );
}
