import { useState, type ReactNode } from 'react';
import { call, moneyOfLines, type RunInfo } from './api.js';

const FINISHED = ['Success', 'CompletedWithWarnings', 'CompletedWithErrors'];

const runLink = (runId: string) => <a href={`#/runs/${runId}`}>run {runId}</a>;

/** A run that ended without doing its job: an apply or revert that did so can be tried again. */
const ENDED_BADLY = ['Failed', 'Cancelled', 'Interrupted'];
const done = (runId: string | undefined, status: string | undefined): boolean => runId !== undefined && !ENDED_BADLY.includes(status ?? '');

/** "5 changes, +120.00 EUR": what a plan would write, in lines and money. */
function changeWords(run: RunInfo, outcome: 'planned' | 'applied'): string {
  const lines = (run.plan ?? []).filter((p) => p.outcome === outcome);
  const total = moneyOfLines(lines);
  const amount = total ? `, ${total} a month` : '';
  return `${lines.length} change${lines.length === 1 ? '' : 's'}${amount}`;
}

/**
 * What can be done with a finished run's plan (SPEC 14): approve or reject one awaiting approval,
 * apply a reviewed dry run's, revert a run (a dry run of the revert first, or at once after a
 * confirmation); and the links between a plan's run and the run that applied or reverted it.
 */
export function PlanActions({ run, onError }: { run: RunInfo; onError: (message: string) => void }) {
  const [confirming, setConfirming] = useState<'apply' | 'revert' | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (url: string, body: object = {}) => {
    setBusy(true);
    try {
      const answer = await call<{ runId: string }>('POST', url, body);
      window.location.hash = `#/runs/${answer.runId}`;
    } catch (error) {
      onError((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const reject = async () => {
    setBusy(true);
    try {
      await call('POST', `/api/runs/${run.runId}/reject`, {});
      window.location.reload();
    } catch (error) {
      onError((error as Error).message);
      setBusy(false);
    }
  };
  const planned = (run.plan ?? []).some((p) => p.outcome === 'planned');
  const applied = (run.plan ?? []).some((p) => p.outcome === 'applied');
  const approval = run.approval;
  const canApply =
    run.dryRun &&
    !run.reverts &&
    planned &&
    FINISHED.includes(run.status) &&
    !run.appliedBy &&
    (!approval || approval.state === 'awaiting');
  const canRevert = !run.dryRun && applied && !run.revertedBy && run.status !== 'Running';

  return (
    <>
      <Links run={run} />
      {run.status === 'AwaitingApproval' && (
        <div className="banner-warning approval" role="region" aria-label="Approval">
          <p>
            <strong>Awaiting approval: {changeWords(run, 'planned')}.</strong> Nothing has been written. Approve writes this plan as
            reviewed below (a line changed in ConnectWise since is left alone and named); Reject closes it.
          </p>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void act(`/api/runs/${run.runId}/approve`)}>
              Approve and apply
            </button>
            <button type="button" disabled={busy} onClick={() => void reject()}>
              Reject
            </button>
          </div>
        </div>
      )}
      {canApply && run.status !== 'AwaitingApproval' && (
        <div className="plan-actions">
          {confirming === 'apply' ? (
            <Confirm
              name="Confirm apply"
              confirm="Apply now"
              busy={busy}
              onConfirm={() => void act(`/api/runs/${run.runId}/apply`)}
              onCancel={() => setConfirming(null)}
            >
              Write {changeWords(run, 'planned')} to ConnectWise, exactly as reviewed? Each line&apos;s value is read first; a line changed
              since this dry run is not written.
            </Confirm>
          ) : (
            <button type="button" className="primary" onClick={() => setConfirming('apply')}>
              Apply this plan
            </button>
          )}
        </div>
      )}
      {run.dryRun && run.reverts && (
        <div className="plan-actions">
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void act(`/api/runs/${run.reverts}/revert`, { dryRun: false })}
          >
            Revert run {run.reverts} now
          </button>
        </div>
      )}
      {canRevert && (
        <div className="plan-actions">
          {confirming === 'revert' ? (
            <Confirm
              name="Confirm revert"
              confirm="Revert now"
              busy={busy}
              onConfirm={() => void act(`/api/runs/${run.runId}/revert`, { dryRun: false })}
              onCancel={() => setConfirming(null)}
            >
              Put back the before-values of {changeWords(run, 'applied')}? Only where ConnectWise still holds this run&apos;s value;
              additions it created go to 0 (never deleted). The revert is a run of its own, with its log.
            </Confirm>
          ) : (
            <div className="actions">
              <button type="button" disabled={busy} onClick={() => void act(`/api/runs/${run.runId}/revert`, { dryRun: true })}>
                Dry run the revert
              </button>
              <button type="button" onClick={() => setConfirming('revert')}>
                Revert this run…
              </button>
            </div>
          )}
        </div>
      )}
    </>
  );
}

/** A question before a write, with its own button and Cancel. */
function Confirm(props: {
  name: string;
  confirm: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <div className="banner-warning" role="region" aria-label={props.name}>
      <p>{props.children}</p>
      <div className="actions">
        <button type="button" className="primary" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirm}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Where this run's plan came from and where it went, and who was told about it. */
function Links({ run }: { run: RunInfo }) {
  const facts: ReactNode[] = [];
  if (run.applies) facts.push(<li key="applies">Applies the plan of {runLink(run.applies)}.</li>);
  if (run.reverts)
    facts.push(
      <li key="reverts">
        {run.dryRun ? 'A dry run of reverting' : 'Reverts'} {runLink(run.reverts)}.
      </li>,
    );
  if (run.appliedBy)
    facts.push(
      done(run.appliedBy, run.appliedByStatus) ? (
        <li key="appliedBy">Its plan was applied by {runLink(run.appliedBy)}.</li>
      ) : (
        <li key="appliedBy">
          Applying its plan ({runLink(run.appliedBy)}) ended {run.appliedByStatus}: see why there; it can be tried again.
        </li>
      ),
    );
  if (run.revertedBy)
    facts.push(
      done(run.revertedBy, run.revertedByStatus) ? (
        <li key="revertedBy">Reverted by {runLink(run.revertedBy)}.</li>
      ) : (
        <li key="revertedBy">
          Reverting it ({runLink(run.revertedBy)}) ended {run.revertedByStatus}: see why there; it can be tried again.
        </li>
      ),
    );
  if (run.approval && run.approval.state !== 'awaiting' && run.approval.state !== 'approved')
    facts.push(
      <li key="approval">
        {run.approval.state === 'rejected' ? (
          'Rejected: nothing was written.'
        ) : (
          <>Superseded by {run.approval.by ? runLink(run.approval.by) : 'a newer run'}: nothing was written.</>
        )}
      </li>,
    );
  for (const n of run.notifications ?? [])
    facts.push(
      <li key={`notify-${n.channel}`} className={n.ok ? undefined : 'problem'}>
        Notified by {n.channel === 'email' ? 'e-mail' : 'webhook'} to {n.target}:{' '}
        {n.ok ? 'sent' : `not sent (${n.error ?? 'unknown'}); see CW40 in the log`}.
      </li>,
    );
  return facts.length > 0 ? <ul className="run-links">{facts}</ul> : null;
}
