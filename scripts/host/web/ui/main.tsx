import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { call } from './api.js';
import { JobForm } from './JobForm.js';
import { JobsPage } from './JobsPage.js';
import { RunPage } from './RunPage.js';
import { RunsPage } from './RunsPage.js';
import { CustomerPage } from './CustomerPage.js';
import { SettingsPage } from './SettingsPage.js';

/** Pages by the address's hash: #/jobs, #/jobs/new, #/jobs/ID/edit, #/jobs/ID/runs, #/runs/ID. */
function useRoute(): string[] {
  // The part after `?` is a page's own state (filters, tab), not its route.
  const read = () => (window.location.hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function Page({ route }: { route: string[] }) {
  const [first, id, action, detail] = route;
  if (first === 'jobs' && id === 'new') return <JobForm />;
  if (first === 'jobs' && id && action === 'edit') return <JobForm key={id} jobId={id} />;
  if (first === 'jobs' && id && action === 'runs') return <RunsPage key={id} jobId={id} />;
  if (first === 'jobs' && id && action === 'customers' && detail)
    return <CustomerPage key={`${id}/${detail}`} jobId={id} customer={decodeURIComponent(detail)} />;
  // Keyed by id: another job or run is a fresh page, never the last one's state (a "not found", a failure).
  if (first === 'runs' && id) return <RunPage key={id} runId={id} />;
  if (first === 'runs') return <RunsPage />;
  if (first === 'settings' && id === undefined) return <SettingsPage />;
  if (first === undefined || (first === 'jobs' && id === undefined)) return <JobsPage />;
  return <NotFound />;
}

/** An address no page answers to (a mistyped link): say so, and offer the way back. */
function NotFound() {
  return (
    <main id="main">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is no page at <code>{window.location.hash || '/'}</code>. <a href="#/jobs">Go to the jobs</a>.
      </p>
    </main>
  );
}

function App() {
  const route = useRoute();
  const [first] = route;
  useEffect(() => {
    // Focus goes to the new page's heading, so a keyboard or screen reader user knows the page changed.
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [route.join('/')]);
  const signOut = async () => {
    await call('POST', '/logout');
    window.location.assign('/login');
  };
  return (
    <>
      <a
        className="skip-link"
        href="#/jobs"
        onClick={(event) => {
          // Hash routing: the link moves focus to the page's heading instead of changing the address.
          event.preventDefault();
          document.querySelector<HTMLElement>('main h1')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="#/jobs">
          Jobs console
        </a>
        <nav aria-label="Main">
          <a href="#/jobs" aria-current={first === 'jobs' || first === undefined ? (route[1] !== 'new' ? 'page' : undefined) : undefined}>
            Jobs
          </a>
          <a href="#/jobs/new" aria-current={route[1] === 'new' ? 'page' : undefined}>
            Add job
          </a>
          <a href="#/runs" aria-current={first === 'runs' && route[1] === undefined ? 'page' : undefined}>
            Runs
          </a>
          <a href="#/settings" aria-current={first === 'settings' ? 'page' : undefined}>
            Settings
          </a>
        </nav>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <Page route={route} />
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
