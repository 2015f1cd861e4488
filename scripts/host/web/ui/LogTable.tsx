import { useEffect, useState } from 'react';
import { call, localTime, query, type Entry } from './api.js';

type Sort = 'time' | 'code' | 'level';

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

/** The vendor's log view: filter by level, search code and message, sort by code to fix all similar issues in one go, export for Excel. */
export function LogTable({ runId }: { runId: string }) {
  const [level, setLevel] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<Sort>('time');
  const [log, setLog] = useState<{ total: number; entries: Entry[] } | null>(null);
  const parameters = { level, search: search.trim(), sort };

  useEffect(() => {
    const timer = setTimeout(() => {
      void call<{ total: number; entries: Entry[] }>('GET', `/api/runs/${runId}/log${query(parameters)}`).then(setLog);
    }, 150);
    return () => clearTimeout(timer);
  }, [runId, level, search, sort]); // parameters is made of these

  const header = (key: Sort, label: string) => (
    <th scope="col" aria-sort={sort === key ? (key === 'level' ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => setSort(key)}>
        {label}
      </button>
    </th>
  );

  return (
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">Log</h2>
      <div className="toolbar" role="search">
        <label htmlFor="log-level">Level</label>
        <select id="log-level" value={level} onChange={(e) => setLevel(e.target.value)}>
          <option value="">All levels</option>
          <option>Verbose</option>
          <option>Info</option>
          <option>Warning</option>
          <option>Error</option>
        </select>
        <label htmlFor="log-search">Search code or message</label>
        <input
          id="log-search"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="CW04, a customer, a SKU…"
        />
        <label htmlFor="log-sort">Sort by</label>
        <select id="log-sort" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
          <option value="time">Time</option>
          <option value="code">Code</option>
          <option value="level">Level (most severe first)</option>
        </select>
        <a className="button" href={`/api/runs/${runId}/log.csv${query(parameters)}`} download>
          Download CSV
        </a>
      </div>
      <p className="muted" role="status" aria-live="polite">
        {log ? `${log.entries.length} of ${log.total} entries` : 'Loading…'}
      </p>
      <div className="table-scroll" role="region" aria-label="Log table" tabIndex={0}>
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
    </section>
  );
}
