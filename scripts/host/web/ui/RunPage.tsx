import { Columns } from './Columns.js';
import { useEffect, useState, type KeyboardEvent } from 'react';
import { ApiError, call, duration, hashParams, localTime, money, moneyOfLines, setHashParams, type Entry, type RunInfo } from './api.js';
import { ErrorNotice, MissingPage } from './Notice.js';
import { EntryRows, LogTable } from './LogTable.js';
import { PlanActions } from './PlanActions.js';
import { PlanTable } from './PlanTable.js';
import { StatusBadge } from './StatusBadge.js';

/** One run: its log live while it runs (server-sent events), then its summary, its log table and its plan. */
export function RunPage({ runId }: { runId: string }) {
  const [run, setRun] = useState<RunInfo | null>(null);
  const [live, setLive] = useState<Entry[]>([]);
  const [message, setMessage] = useState('');
  const [failure, setFailure] = useState('');
  const [missing, setMissing] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let source: EventSource | undefined;
    setLive([]);
    call<RunInfo>('GET', `/api/runs/${runId}`).then(
      (info) => {
        setRun(info);
        if (info.status !== 'Running') return;
        source = new EventSource(`/api/runs/${runId}/events`);
        source.addEventListener('entry', (event) =>
          setLive((entries) => [...entries, JSON.parse((event as MessageEvent<string>).data) as Entry]),
        );
        source.addEventListener('end', () => {
          source?.close();
          // The finished run with its plan (the event's copy has no plan).
          void call<RunInfo>('GET', `/api/runs/${runId}`).then(setRun);
        });
        // The server could not go on (a damaged record or log): it says why, and reconnecting would not help.
        source.addEventListener('failure', (event) => {
          source?.close();
          setMessage((JSON.parse((event as MessageEvent<string>).data) as { message: string }).message);
        });
        source.onerror = () => setMessage('The live log was interrupted; it reconnects by itself.');
      },
      (e: Error) => {
        if (e instanceof ApiError && (e.status === 404 || e.status === 400)) setMissing(true);
        else setFailure(e.message);
      },
    );
    return () => source?.close();
  }, [runId, attempt]);

  if (missing) return <MissingPage what="run" id={runId} />;
  if (!run)
    return (
      <main id="main">
        <h1 tabIndex={-1}>Run {runId}</h1>
        {failure ? <ErrorNotice message={failure} onRetry={() => setAttempt((n) => n + 1)} /> : <p role="status">Loading…</p>}
      </main>
    );
  const running = run.status === 'Running';
  // A dry run (or a run the safety guard stopped) plans without writing.
  const nothingWritten = (run.plan ?? []).every((p) => p.outcome === 'planned');
  return (
    <main id="main">
      <h1 tabIndex={-1}>
        {titleOf(run)} of {run.jobName}
      </h1>
      {run.dryRun && <p className="banner-info">A dry run: everything was read and planned; nothing was written to ConnectWise.</p>}
      <p>
        <a href={`#/jobs/${run.jobId}/runs`}>All runs of this job</a>
      </p>
      <dl className="run-facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={run.status} />
        </dd>
        <dt>Started</dt>
        <dd>
          <time dateTime={run.startedAt}>{localTime(run.startedAt)}</time>
        </dd>
        <dt>Duration</dt>
        <dd>{running ? 'running…' : duration(run.durationMs)}</dd>
      </dl>
      <p className="status" role="status" aria-live="polite">
        {message}
      </p>
      {run.logGap && <p className="problems">{run.logGap}</p>}
      {!running && !run.jobDeleted && <PlanActions run={run} onError={setFailure} />}
      {!running && !run.jobDeleted && ['Failed', 'CompletedWithErrors', 'Cancelled', 'Interrupted'].includes(run.status) && (
        <AfterFailure run={run} onError={setFailure} />
      )}
      <ErrorNotice message={failure} />
      {running ? (
        <section aria-labelledby="live-heading">
          <h2 id="live-heading">Live log</h2>
          <p className="muted" aria-live="polite">
            {live.length} entries so far
          </p>
          <div className="table-scroll" role="region" aria-label="Live log" tabIndex={0}>
            <table className="log">
              <Columns names={['Time', 'Level', 'Code', 'Message', 'Fix']} />
              <EntryRows entries={live} />
            </table>
          </div>
        </section>
      ) : (
        <>
          <section aria-labelledby="summary-heading" className="summary card">
            <h2 id="summary-heading">Summary</h2>
            <p id="run-summary">{run.summary}</p>
            {run.figures && run.figures.money.priced > 0 && <MoneyCard figures={run.figures.money} />}
            {run.figures && (
              <ul className="figures">
                <li>Updated: {run.figures.written.update}</li>
                <li>Zeroed: {run.figures.written.zero}</li>
                <li>Created: {run.figures.written.create}</li>
                <li>Planned, not written: {run.figures.planned}</li>
                <li>Failed: {run.figures.failed}</li>
                {run.figures.skipped.map((s) => (
                  <li key={s.code}>
                    Skipped, {s.code} {s.title}: {s.count}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <RunTabs run={run} nothingWritten={nothingWritten} />
        </>
      )}
    </main>
  );
}

/** The run's change to monthly billing, split the way an invoice reviewer reads it. */
function MoneyCard({ figures }: { figures: NonNullable<RunInfo['figures']>['money'] }) {
  const { currency } = figures;
  return (
    <div className="money" aria-label="Monthly billing change">
      <p className="money-total">
        {figures.basis === 'written' ? 'Monthly billing' : 'Monthly billing would change by'}{' '}
        <strong>{money(figures.change, currency)}</strong>
      </p>
      <ul className="figures">
        <li>Increases: {money(figures.increases, currency)}</li>
        <li>Decreases: {money(figures.decreases, currency)}</li>
        <li>New additions: {money(figures.created, currency)}</li>
        <li>Zeroed: {money(figures.zeroed, currency)}</li>
        {figures.unpriced > 0 && <li>Lines without a price (not counted): {figures.unpriced}</li>}
      </ul>
    </div>
  );
}

/** What to do after a run that failed: fix the job, or run it again (a re-run writes only what still differs). */
function AfterFailure({ run, onError }: { run: RunInfo; onError: (message: string) => void }) {
  const again = async (dryRun: boolean) => {
    try {
      const { runId } = await call<{ runId: string }>('POST', `/api/jobs/${run.jobId}/run`, { dryRun });
      window.location.hash = `#/runs/${runId}`;
    } catch (error) {
      onError((error as Error).message);
    }
  };
  return (
    <div className="actions after-failure">
      <a className="button" href={`#/jobs/${run.jobId}/edit`}>
        Edit the job
      </a>
      <button type="button" onClick={() => void again(false)}>
        Run again
      </button>
      <button type="button" onClick={() => void again(true)}>
        Dry run again
      </button>
    </div>
  );
}

type Tab = 'changes' | 'warnings' | 'log' | 'compare';

/** Changes, Warnings and Log, each with its count; the open tab is in the address, so a link opens it again. */
function RunTabs({ run, nothingWritten }: { run: RunInfo; nothingWritten: boolean }) {
  const plan = run.plan ?? [];
  const [customer, setCustomer] = useState(hashParams().get('customer') ?? '');
  const [customers, setCustomers] = useState<{ customer: string; customerName?: string }[]>([]);
  useEffect(() => {
    void call<{ customer: string; customerName?: string }[]>('GET', `/api/runs/${run.runId}/customers`).then(setCustomers, () => undefined);
  }, [run.runId]);
  const pickCustomer = (code: string) => setCustomer(code);
  const lines = customer ? plan.filter((p) => p.customer === customer) : plan;
  const customerMoney = moneyOfLines(lines);
  const [counts, setCounts] = useState<{ warnings: number; log: number } | null>(null);
  const asked = hashParams().get('tab');
  const [tab, setTab] = useState<Tab | null>((['changes', 'warnings', 'log', 'compare'] as const).find((t) => t === asked) ?? null);
  useEffect(() => {
    void call<{ total: number; matched: number }>('GET', `/api/runs/${run.runId}/log?minLevel=Warning&limit=0`).then(
      (answer) => setCounts({ warnings: answer.matched, log: answer.total }),
      () => setCounts({ warnings: 0, log: 0 }),
    );
  }, [run.runId]);
  // Opened without a tab: what the run changed, else what needs the administrator, else the log.
  const shown: Tab = tab ?? (plan.length > 0 ? 'changes' : counts && counts.warnings > 0 ? 'warnings' : 'log');
  const tabs: { key: Tab; label: string; count: number | undefined }[] = [
    { key: 'changes', label: nothingWritten && plan.length > 0 ? 'Plan' : 'Changes', count: lines.length },
    { key: 'warnings', label: 'Warnings', count: counts?.warnings },
    { key: 'log', label: 'Log', count: counts?.log },
    { key: 'compare', label: 'Compare', count: undefined },
  ];
  const open = (key: Tab) => setTab(key);
  // The address follows the tab and customer picked, written once React has committed: written in the click
  // handler, a log table's write still pending from the commit before would land after it. The log tabs
  // write theirs (with their filters) when they mount.
  useEffect(() => {
    if ((tab !== null || customer !== '') && (shown === 'changes' || shown === 'compare')) setHashParams({ tab: shown, customer });
  }, [tab, customer, shown]);
  // Arrow keys move between tabs, as in any tab list.
  const onKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = tabs[(index + step + tabs.length) % tabs.length]!;
    open(next.key);
    document.getElementById(`tab-${next.key}`)?.focus();
  };
  return (
    <>
      {customers.length > 1 && (
        <div className="toolbar customer-filter">
          <label htmlFor="run-customer">Customer</label>
          <select id="run-customer" value={customer} onChange={(e) => pickCustomer(e.target.value)}>
            <option value="">All customers ({customers.length})</option>
            {customers.map((c) => (
              <option key={c.customer} value={c.customer}>
                {c.customer}
                {c.customerName ? ` — ${c.customerName}` : ''}
              </option>
            ))}
          </select>
          {customer && (
            <>
              <a href={`#/jobs/${run.jobId}/customers/${encodeURIComponent(customer)}`}>This customer across the job&apos;s runs</a>
              <span role="status">
                {lines.length} line{lines.length === 1 ? '' : 's'}
                {customerMoney ? `, monthly ${customerMoney}` : ''}
              </span>
            </>
          )}
        </div>
      )}
      <div className="tabs" role="tablist" aria-label="Run details">
        {tabs.map((t, index) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            id={`tab-${t.key}`}
            aria-selected={shown === t.key}
            aria-controls={`panel-${t.key}`}
            tabIndex={shown === t.key ? 0 : -1}
            onClick={() => open(t.key)}
            onKeyDown={(event) => onKey(event, index)}
          >
            {t.label}
            {t.key !== 'compare' && (
              <>
                {' '}
                <span className="count">{t.count === undefined ? '…' : t.count.toLocaleString('en-US')}</span>
              </>
            )}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${shown}`} aria-labelledby={`tab-${shown}`} className="tab-panel">
        {shown === 'changes' &&
          (plan.length > 0 ? (
            <PlanTable runId={run.runId} plan={lines} nothingWritten={nothingWritten} />
          ) : (
            <p className="empty">This run changed nothing in ConnectWise.</p>
          ))}
        {shown === 'warnings' && (
          <LogTable key={`warnings-${customer}`} runId={run.runId} tab="warnings" warningsOnly customer={customer} />
        )}
        {shown === 'log' && <LogTable key={`log-${customer}`} runId={run.runId} tab="log" customer={customer} />}
        {shown === 'compare' && <Comparison runId={run.runId} />}
      </div>
    </>
  );
}

interface ComparisonAnswer {
  previous: { runId: string; startedAt: string; period?: { endDate: string } } | null;
  customers: {
    customer: string;
    customerName?: string;
    current: { lines: number; units: number; money: number };
    previous: { lines: number; units: number; money: number };
  }[];
  warnings: { code: string; customer?: string; sku?: string; message: string; state: 'new' | 'recurring' | 'resolved' }[];
  currency?: string;
}

const signed = (n: number): string => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

/** This run beside the job's previous run that wrote: per customer, and warnings new, recurring or resolved. */
function Comparison({ runId }: { runId: string }) {
  const [answer, setAnswer] = useState<ComparisonAnswer | null>(null);
  const [failure, setFailure] = useState('');
  useEffect(() => {
    void call<ComparisonAnswer>('GET', `/api/runs/${runId}/compare`).then(setAnswer, (e: Error) => setFailure(e.message));
  }, [runId]);
  if (failure) return <ErrorNotice message={failure} />;
  if (!answer) return <p role="status">Loading…</p>;
  if (!answer.previous) return <p className="empty">This job has no earlier run that wrote to ConnectWise: nothing to compare with yet.</p>;
  const counts = { new: 0, recurring: 0, resolved: 0 };
  for (const w of answer.warnings) counts[w.state]++;
  return (
    <section aria-label="Compared with the previous run">
      <p>
        Compared with the run of <time dateTime={answer.previous.startedAt}>{localTime(answer.previous.startedAt)}</time>
        {answer.previous.period ? ` (period to ${answer.previous.period.endDate})` : ''}:{' '}
        <a href={`#/runs/${answer.previous.runId}`}>open it</a>.
      </p>
      <h3>Customers</h3>
      <div className="table-scroll" role="region" aria-label="Customers compared" tabIndex={0}>
        <table className="compare">
          <Columns names={['Customer', 'Lines (this / before)', 'Units (this / before)', 'Monthly change (this / before)']} />
          <tbody>
            {answer.customers.map((c) => (
              <tr key={c.customer}>
                <td>
                  <code>{c.customer}</code>
                  {c.customerName && <div className="muted">{c.customerName}</div>}
                </td>
                <td className="number">
                  {c.current.lines} / {c.previous.lines}
                </td>
                <td className="number">
                  {signed(c.current.units)} / {signed(c.previous.units)}
                </td>
                <td className="number">
                  {money(c.current.money, answer.currency)} / {money(c.previous.money, answer.currency)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>
        Warnings: {counts.new} new, {counts.recurring} recurring, {counts.resolved} resolved
      </h3>
      <ul className="compare-warnings">
        {answer.warnings.map((w, i) => (
          <li key={i}>
            <span className={`tag state-${w.state}`}>{w.state}</span> <code>{w.code}</code> {w.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What the run was: a run, a dry run, an apply of a reviewed plan, a revert (or a dry run of one). */
function titleOf(run: RunInfo): string {
  if (run.reverts) return run.dryRun ? 'Revert dry run' : 'Revert run';
  if (run.applies) return run.trigger === 'approval' ? 'Approved apply run' : 'Apply run';
  return run.dryRun ? 'Dry run' : 'Run';
}
