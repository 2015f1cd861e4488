import { Columns } from './Columns.js';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, call, fromNow, localTime, money, type JobSummary } from './api.js';
import { StatusBadge } from './StatusBadge.js';
import { ErrorNotice } from './Notice.js';

export function JobsPage() {
  const [jobs, setJobs] = useState<JobSummary[] | null>(null);
  // What the last page did ("Job saved"), said once here.
  const [message, setMessage] = useState(() => {
    const flash = window.sessionStorage.getItem('flash') ?? '';
    window.sessionStorage.removeItem('flash');
    return flash;
  });
  const [failure, setFailure] = useState('');
  const [schedulerRunning, setSchedulerRunning] = useState(true);
  const load = useCallback(() => {
    void call<{ schedulerRunning: boolean }>('GET', '/api/host').then(
      (host) => setSchedulerRunning(host.schedulerRunning),
      () => undefined,
    );
    return call<JobSummary[]>('GET', '/api/jobs').then(
      (list) => {
        setJobs(list);
        setFailure('');
      },
      (e: Error) => setFailure(e.message),
    );
  }, []);
  useEffect(() => {
    void load();
    // The scheduler and the command line change jobs too: the list follows them.
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (job: JobSummary, action: 'run' | 'dry-run' | 'enable' | 'disable' | 'delete') => {
    setMessage('');
    setFailure('');
    try {
      if (action === 'delete') {
        if (!window.confirm(`Delete the job "${job.name}"? Its schedule, parameters and secrets are removed; its run history stays.`))
          return;
        await call('DELETE', `/api/jobs/${job.id}`);
        setMessage(`Job "${job.name}" deleted.`);
      } else if (action === 'run' || action === 'dry-run') {
        const { runId } = await call<{ runId: string }>('POST', `/api/jobs/${job.id}/run`, { dryRun: action === 'dry-run' });
        window.location.hash = `#/runs/${runId}`;
        return;
      } else {
        await call('POST', `/api/jobs/${job.id}/${action}`);
        setMessage(`Job "${job.name}" ${action}d.`);
      }
      await load();
    } catch (error) {
      setFailure(error instanceof ApiError ? error.message : String(error));
    }
  };

  return (
    <main id="main">
      <h1 tabIndex={-1}>Jobs</h1>
      {!schedulerRunning && (
        <p className="banner-warning" role="note">
          No scheduler is running for this host: jobs will not fire on schedule (the next runs below are when they would). Run the host with{' '}
          <code>npm run host -- serve</code> (the console and the scheduler in one process).
        </p>
      )}
      <p className="status" role="status" aria-live="polite">
        {message}
      </p>
      <ErrorNotice message={failure} onRetry={() => void load()} />
      {jobs === null ? (
        <p>Loading…</p>
      ) : jobs.length === 0 ? (
        <p>
          No jobs yet. <a href="#/jobs/new">Add a job</a>.
        </p>
      ) : (
        <table className="jobs">
          <caption className="visually-hidden">Scheduled jobs</caption>
          <Columns names={['Name', 'Type', 'Enabled', 'Schedule', 'Next run', 'Last run', 'Actions']} />
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-job-id={job.id}>
                <th scope="row">{job.name}</th>
                <td data-label="Type">{job.taskType}</td>
                <td data-label="Enabled">{job.enabled ? 'Yes' : 'No'}</td>
                <td data-label="Schedule">
                  <code>{job.cron}</code>
                  <div className="muted">
                    {job.cronWords}
                    {job.timeZone ? ` (${job.timeZone})` : ''}
                  </div>
                </td>
                <td data-label="Next run">
                  {job.nextRunAt ? (
                    <>
                      <time dateTime={job.nextRunAt}>{localTime(job.nextRunAt)}</time>
                      <div className="muted">{fromNow(job.nextRunAt)}</div>
                    </>
                  ) : (
                    'Disabled'
                  )}
                </td>
                <td data-label="Last run">
                  {job.lastRun ? (
                    <a
                      href={`#/runs/${job.lastRun.runId}`}
                      aria-label={`${job.lastRun.status}${job.lastRun.dryRun ? ' dry run' : ''}: last run of ${job.name}`}
                    >
                      <StatusBadge status={job.lastRun.status} />
                      {job.lastRun.dryRun && !job.awaiting && <span className="tag">dry run</span>}
                      {job.awaiting && (
                        <div className="awaiting">
                          {job.awaiting.changes} change{job.awaiting.changes === 1 ? '' : 's'}
                          {job.awaiting.change !== undefined && <>, {money(job.awaiting.change, job.awaiting.currency)} a month</>}: review
                          and approve
                        </div>
                      )}
                    </a>
                  ) : (
                    'Never run'
                  )}
                </td>
                <td className="actions" data-label="Actions">
                  <button type="button" onClick={() => act(job, 'run')} aria-label={`Run now: ${job.name}`}>
                    Run now
                  </button>
                  <button type="button" onClick={() => act(job, 'dry-run')} aria-label={`Dry run: ${job.name}`}>
                    Dry run
                  </button>
                  <button
                    type="button"
                    onClick={() => act(job, job.enabled ? 'disable' : 'enable')}
                    aria-label={`${job.enabled ? 'Disable' : 'Enable'}: ${job.name}`}
                  >
                    {job.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <a className="button" href={`#/jobs/${job.id}/edit`} aria-label={`Edit: ${job.name}`}>
                    Edit
                  </a>
                  <a className="button" href={`#/jobs/${job.id}/runs`} aria-label={`Runs: ${job.name}`}>
                    Runs
                  </a>
                  <button type="button" className="danger" onClick={() => act(job, 'delete')} aria-label={`Delete: ${job.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
