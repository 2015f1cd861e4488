import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogEntry } from '../../src/host/api.js';
import { RunJournal } from '../../scripts/host/runJournal.js';
import { DiskFullError } from '../../scripts/host/errors.js';

const entry = (code: string, message: string): LogEntry => ({ timestamp: '2026-12-01T00:00:00.000Z', level: 'Info', code, message });
const noSpace = (): Error => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });

/** Issue 20 item 4: what a full disk does to a run's log, seen from the journal alone. */
describe('a run journal on a disk that fills', () => {
  it('an entry the log cannot take is shown at once, kept for the record and thrown back; so is every entry after it', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'journal-'));
    // /dev/full takes nothing: every write answers ENOSPC.
    symlinkSync('/dev/full', path.join(runs, 'r1.jsonl'));
    const said: string[] = [];
    const journal = RunJournal.open({ runs }, 'r1', (line) => said.push(line), { reserveBytes: 4096 });
    expect(existsSync(path.join(runs, 'r1.reserve'))).toBe(true);
    expect(() => journal.append(entry('CW07', 'updated from 3 to 5'))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(() => journal.append(entry('CW23', 'Completed with status Failed'))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(said[0]).toContain('host: the log of run r1 cannot be written (ENOSPC)');
    expect(said.slice(1)).toEqual([
      expect.stringMatching(/not in its log yet: .*CW07 {2}updated from 3 to 5/),
      expect.stringMatching(/not in its log yet: .*CW23 {2}Completed with status Failed/),
    ]);
    expect(journal.lateEntries.map((e) => e.code)).toEqual(['CW07', 'CW23']);
    expect(journal.gap).toContain('could not be written after entry 0 (ENOSPC)');
    journal.settle([]);
    expect(existsSync(path.join(runs, 'r1.reserve'))).toBe(false);
  });

  it('a whole log keeps every entry and has no gap', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'journal-'));
    const journal = RunJournal.open({ runs }, 'r2', () => undefined, { reserveBytes: 4096 });
    journal.append(entry('CW01', 'started'));
    journal.settle([]);
    expect(journal.gap).toBeUndefined();
    expect(
      readFileSync(path.join(runs, 'r2.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as LogEntry),
    ).toEqual([entry('CW01', 'started')]);
  });

  it('a step that finds no room is tried again while the process lives; the other steps do not wait for it', async () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'journal-'));
    const said: string[] = [];
    const journal = RunJournal.open({ runs }, 'r3', (line) => said.push(line), { reserveBytes: 4096, retryMs: 20 });
    const written: string[] = [];
    let roomAfter = 3;
    journal.settle([
      {
        what: 'the run record',
        write: () => {
          if (--roomAfter > 0) throw noSpace();
          written.push('record');
        },
      },
      { what: 'the plan', write: () => written.push('plan') },
      {
        what: "the job's last run",
        write: () => {
          throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
        },
      },
    ]);
    expect(written).toEqual(['plan']);
    await new Promise((r) => setTimeout(r, 200));
    expect(written).toEqual(['plan', 'record']);
    expect(said).toEqual([
      'host: run r3: the run record could not be written yet (ENOSPC); trying again every 0.02 s',
      "host: run r3: the job's last run could not be written (EACCES)",
      'host: run r3: its record is complete on disk again',
    ]);
  });

  it('no room for the reserve: the run does not start (a DiskFullError naming the folder), and nothing is left behind', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'journal-'));
    symlinkSync('/dev/full', path.join(runs, 'r4.reserve'));
    let refused: unknown;
    try {
      RunJournal.open({ runs }, 'r4', () => undefined);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DiskFullError);
    expect((refused as DiskFullError).message).toContain(`no room to keep a run's log under ${runs} (ENOSPC): the run did not start`);
    expect(readdirSync(runs)).toEqual([]);
  });
});
