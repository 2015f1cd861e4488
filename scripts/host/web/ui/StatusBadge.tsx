/** A run's status in words with a colour class; the word carries the meaning, the colour only helps. */
export function StatusBadge({ status }: { status: string }) {
  const tone =
    status === 'Success'
      ? 'ok'
      : status === 'CompletedWithWarnings' || status === 'AwaitingApproval'
        ? 'warn'
        : status === 'Running'
          ? 'running'
          : 'bad';
  return <span className={`badge ${tone}`}>{status === 'AwaitingApproval' ? 'Awaiting approval' : status}</span>;
}
