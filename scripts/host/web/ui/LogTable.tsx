import { useEffect, useState } from 'react';
import { call, hashParams, localTime, query, setHashParams, type Entry } from './api.js';

type Sort = 'time' | 'code' | 'level';
type Direction = 'asc' | 'desc';
/** Entries per page: a run of 100,000 entries stays as quick as one of 100. */
export const LOG_PAGE = 100;

interface LogPage {
  total: number;
  matched: number;
  offset: number;
  entries: Entry[];
}

/** A log as a table: one row an entry, each code's fix beside it. */
export function EntryRows({ entries }: { entries: Entry[] }) {
  return (
    <tbody>
      {entries.map((e, i) => (
        <tr key={i} className={`level-${e.level.toLowerCase()}`}>
          <td>
            <time dateTime={e.timestamp}>{localTime(e.timestamp)}</time>
          </td>
          <td>{e.level}</td>
          <td>
            <code>{e.code}</code>
          </td>
          <td>
            {e.message}
            {e.customer ? (
              <span className="muted">
                {' '}
                [{e.customer}
                {e.sku ? ` / ${e.sku}` : ''}]
              </span>
            ) : null}
          </td>
          <td className="fix">{e.level === 'Warning' || e.level === 'Error' ? e.fix : ''}</td>
        </tr>
      ))}
    </tbody>
  );
}

/**
 * The vendor's log view: filter by level, search code and message, sort by time, code or level either
 * way (click a header twice), export for Excel; a page at a time; filters, sort and page in the address.
 * `warningsOnly` shows Warning and Error entries alone (the Warnings tab).
 */
export function LogTable({
  runId,
  tab,
  warningsOnly = false,
  customer = '',
}: {
  runId: string;
  tab: string;
  warningsOnly?: boolean;
  /** One customer's entries only (the run page's customer filter). */
  customer?: string;
}) {
  const initial = hashParams();
  const [level, setLevel] = useState(initial.get('level') ?? '');
  const [search, setSearch] = useState(initial.get('search') ?? '');
  const [sort, setSort] = useState<Sort>((['time', 'code', 'level'] as const).find((s) => s === initial.get('sort')) ?? 'time');
  const [dir, setDir] = useState<Direction>(initial.get('dir') === 'desc' ? 'desc' : 'asc');
  const [page, setPage] = useState(Math.max(1, Number(initial.get('page')) || 1));
  const [log, setLog] = useState<LogPage | null>(null);
  const [failure, setFailure] = useState('');
  const filters = { level, minLevel: warningsOnly ? 'Warning' : '', customer, search: search.trim(), sort, dir };

  useEffect(() => {
    setHashParams({
      tab,
      customer,
      level,
      search: search.trim(),
      sort: sort === 'time' ? '' : sort,
      dir: dir === 'asc' ? '' : dir,
      page: page > 1 ? page : '',
    });
    const timer = setTimeout(() => {
      void call<LogPage>(
        'GET',
        `/api/runs/${runId}/log${query({ ...filters, offset: String((page - 1) * LOG_PAGE), limit: String(LOG_PAGE) })}`,
      ).then(
        (answer) => {
          setLog(answer);
          setFailure('');
        },
        (e: Error) => setFailure(e.message),
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [runId, tab, customer, level, search, sort, dir, page, warningsOnly]); // filters is made of these

  // A new filter or order starts again at the first page.
  const change =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPage(1);
    };
  const sortBy = (key: Sort) => {
    if (key === sort) setDir(dir === 'asc' ? 'desc' : 'asc');
    else {
      setSort(key);
      setDir('asc');
    }
    setPage(1);
  };
  const clear = () => {
    setLevel('');
    setSearch('');
    setPage(1);
  };
  // Level sorts most severe first when ascending: say so as a screen reader would read the column.
  const ariaSort = (key: Sort): 'ascending' | 'descending' | 'none' =>
    sort !== key ? 'none' : (dir === 'asc') !== (key === 'level') ? 'ascending' : 'descending';
  const header = (key: Sort, label: string) => (
    <th scope="col" aria-sort={ariaSort(key)}>
      <button type="button" className="sort" onClick={() => sortBy(key)}>
        {label}
        <span aria-hidden="true">{sort === key ? (ariaSort(key) === 'ascending' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
  const pages = log ? Math.max(1, Math.ceil(log.matched / LOG_PAGE)) : 1;
  const filtered = level !== '' || search.trim() !== '';

  return (
    <section aria-label={warningsOnly ? 'Warnings and errors' : 'Log'}>
      <div className="toolbar" role="search">
        {!warningsOnly && (
          <>
            <label htmlFor={`${tab}-level`}>Level</label>
            <select id={`${tab}-level`} value={level} onChange={(e) => change(setLevel)(e.target.value)}>
              <option value="">All levels</option>
              <option>Verbose</option>
              <option>Info</option>
              <option>Warning</option>
              <option>Error</option>
            </select>
          </>
        )}
        <label htmlFor={`${tab}-search`}>Search code or message</label>
        <input
          id={`${tab}-search`}
          type="search"
          value={search}
          onChange={(e) => change(setSearch)(e.target.value)}
          placeholder="CW04, a customer, a SKU…"
        />
        <label htmlFor={`${tab}-sort`}>Sort by</label>
        <select
          id={`${tab}-sort`}
          value={`${sort} ${dir}`}
          onChange={(e) => {
            const [key, direction] = e.target.value.split(' ') as [Sort, Direction];
            setSort(key);
            setDir(direction);
            setPage(1);
          }}
        >
          <option value="time asc">Time, oldest first</option>
          <option value="time desc">Time, newest first</option>
          <option value="code asc">Code, CW01 first</option>
          <option value="code desc">Code, highest first</option>
          <option value="level asc">Level, most severe first</option>
          <option value="level desc">Level, least severe first</option>
        </select>
        <a className="button" href={`/api/runs/${runId}/log.csv${query(filters)}`} download>
          Download CSV
        </a>
      </div>
      {failure && (
        <p className="problems" role="alert">
          {failure}
        </p>
      )}
      <p className="muted" role="status" aria-live="polite">
        {log
          ? log.matched === 0
            ? ''
            : `${(log.offset + 1).toLocaleString('en-US')}–${(log.offset + log.entries.length).toLocaleString('en-US')} of ${log.matched.toLocaleString('en-US')} ${filtered || warningsOnly ? `matching (${log.total.toLocaleString('en-US')} in all)` : 'entries'}`
          : 'Loading…'}
      </p>
      {log && log.matched === 0 ? (
        <div className="empty">
          {log.total === 0 ? (
            <p>This run logged nothing.</p>
          ) : warningsOnly && !filtered ? (
            <p>No warnings or errors: nothing in this run needs you.</p>
          ) : (
            <>
              <p>No entry matches these filters.</p>
              <button type="button" onClick={clear}>
                Clear the filters
              </button>
            </>
          )}
        </div>
      ) : (
        <div className="table-scroll log-scroll" role="region" aria-label={warningsOnly ? 'Warnings table' : 'Log table'} tabIndex={0}>
          <table className="log">
            <thead>
              <tr>
                {header('time', 'Time')}
                {header('level', 'Level')}
                {header('code', 'Code')}
                <th scope="col">Message</th>
                <th scope="col">Fix</th>
              </tr>
            </thead>
            {log && <EntryRows entries={log.entries} />}
          </table>
        </div>
      )}
      {log && pages > 1 && (
        <nav className="pager" aria-label={`${warningsOnly ? 'Warnings' : 'Log'} pages`}>
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page} of {pages.toLocaleString('en-US')}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
