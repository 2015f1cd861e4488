/** A failure the administrator must see: styled as an error, announced, with a way to try again. */
export function ErrorNotice({ message, onRetry }: { message: string; onRetry?: () => void }) {
  if (!message) return null;
  return (
    <div className="problems" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A job or run that does not exist (deleted, or a mistyped address): say so and offer the ways on. */
export function MissingPage({ what, id }: { what: 'job' | 'run'; id: string }) {
  return (
    <main id="main">
      <h1 tabIndex={-1}>{what === 'job' ? 'Job not found' : 'Run not found'}</h1>
      <p>
        There is no {what} <code>{id}</code>
        {what === 'job' ? ': it may have been deleted (its runs stay, under All runs).' : '.'}
      </p>
      <p>
        <a href="#/jobs">Go to the jobs</a> · <a href="#/runs">All runs</a>
      </p>
    </main>
  );
}
