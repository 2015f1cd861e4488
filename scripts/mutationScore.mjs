// The mutation score of the money core from the reports the runs left (reports/mutation/*.json: the
// whole run's mutation.json, or the four parts' decide/write/run/task.json, each also taken from
// docs/mutation/ where a part run in an earlier session was kept), one line per surviving mutant, so a
// note can quote the figure and explain each survivor. A part not run yet is named.
import { existsSync, readFileSync } from 'node:fs';
import process from 'node:process';

const say = (line) => process.stdout.write(`${line}\n`);

const PARTS = ['decide', 'write', 'run', 'task'];
const dir = 'reports/mutation';
const whole = `${dir}/mutation.json`;
// A part's report from this machine, or one kept in the tree (docs/mutation/) from a session that ran it before.
const partReport = (part) => [`${dir}/${part}.json`, `docs/mutation/${part}.json`].find(existsSync);
const files = existsSync(whole) && !process.argv.includes('--parts') ? [whole] : PARTS.map(partReport).filter(Boolean);
const missing = files.includes(whole) ? [] : PARTS.filter((p) => !partReport(p));
if (files.length === 0) {
  say('No mutation report yet: run npm run mutation (or MUTATION_PART=decide npm run mutation, and the other parts).');
  process.exit(1);
}
const counts = {};
const survivors = [];
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const [name, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      counts[m.status] = (counts[m.status] ?? 0) + 1;
      if (m.status === 'Survived' || m.status === 'NoCoverage')
        survivors.push(
          `${name}:${m.location.start.line} ${m.status} ${m.mutatorName}: ${(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 90)}`,
        );
    }
  }
}
const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
say(`Reports: ${files.join(', ')}${missing.length ? ` (parts not run yet: ${missing.join(', ')})` : ''}`);
say(`Mutants: ${JSON.stringify(counts)}`);
say(
  `Score: ${((100 * detected) / Math.max(1, valid)).toFixed(2)}% (${detected} detected of ${valid}; killed or timed out over all but ignored and compile errors)`,
);
say(`Survivors (${survivors.length}):`);
for (const line of survivors) say(`  ${line}`);
