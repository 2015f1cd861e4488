import { money, type RunInfo } from './api.js';

const WIDTH = 720;
const HEIGHT = 230;
const PLOT = { left: 118, right: 50, top: 20, bottom: 50 };

/** A round axis bound at or above a value: 1, 2, 5 × a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

/**
 * A job's last twelve finished runs, oldest on the left: the monthly billing change as bars (up for
 * more billing, down for less; a dry run's planned change as an outline) and the warning count as a
 * line on its own scale. Drawn here as SVG: no remote script, no chart library. The table below holds
 * the same figures for anyone who would rather read them.
 */
export function RunChart({ runs }: { runs: RunInfo[] }) {
  const shown = runs
    .filter((r) => r.figures !== null)
    .slice(0, 12)
    .reverse();
  if (shown.length < 2) return null;
  const changes = shown.map((r) => (r.figures!.money.priced > 0 ? r.figures!.money.change : 0));
  const warnings = shown.map((r) => r.warningCount ?? 0);
  const currency = shown.map((r) => r.figures!.money.currency).find((c) => c && c !== 'mixed');
  const moneyBound = niceCeiling(Math.max(...changes.map(Math.abs)));
  const warningBound = niceCeiling(Math.max(...warnings));
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const zeroY = PLOT.top + plotHeight / 2;
  const slot = plotWidth / shown.length;
  const barWidth = Math.min(36, slot * 0.6);
  const x = (i: number) => PLOT.left + slot * i + slot / 2;
  const moneyY = (value: number) => zeroY - (value / moneyBound) * (plotHeight / 2);
  const warningY = (value: number) => PLOT.top + plotHeight - (value / warningBound) * plotHeight;
  const label = (r: RunInfo) => (r.period ? r.period.endDate.slice(5) : r.startedAt.slice(5, 10));
  const summary = `Monthly billing change and warnings over the last ${shown.length} runs, oldest first: ${shown
    .map((r, i) => `${label(r)} ${money(changes[i]!, currency)}${r.dryRun ? ' (dry run)' : ''}, ${warnings[i]} warnings`)
    .join('; ')}.`;
  return (
    <figure className="run-chart">
      <figcaption>Last {shown.length} runs: monthly billing change (bars) and warnings (line)</figcaption>
      <div className="table-scroll chart-scroll" tabIndex={0} role="region" aria-label="Chart, scrolls sideways on a narrow screen">
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label={summary}>
          <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={zeroY} y2={zeroY} className="axis" />
          <text x={PLOT.left - 8} y={PLOT.top + 4} className="tick" textAnchor="end">
            {money(moneyBound, currency)}
          </text>
          <text x={PLOT.left - 8} y={zeroY + 4} className="tick" textAnchor="end">
            0
          </text>
          <text x={PLOT.left - 8} y={PLOT.top + plotHeight + 4} className="tick" textAnchor="end">
            {money(-moneyBound, currency)}
          </text>
          <text x={WIDTH - PLOT.right + 8} y={PLOT.top + 4} className="tick warning-tick">
            {warningBound}
          </text>
          <text x={WIDTH - PLOT.right + 8} y={PLOT.top + plotHeight + 4} className="tick warning-tick">
            0
          </text>
          {shown.map((r, i) => {
            const top = Math.min(moneyY(changes[i]!), zeroY);
            const height = Math.max(1, Math.abs(moneyY(changes[i]!) - zeroY));
            const tone = changes[i]! >= 0 ? 'up' : 'down';
            return (
              <g key={r.runId}>
                <a href={`#/runs/${r.runId}`} aria-label={`Run of ${label(r)}: ${money(changes[i]!, currency)}, ${warnings[i]} warnings`}>
                  <rect x={x(i) - barWidth / 2} y={top} width={barWidth} height={height} className={`bar ${tone}${r.dryRun ? ' dry' : ''}`}>
                    <title>{`${label(r)}${r.dryRun ? ' (dry run, planned)' : ''}: ${money(changes[i]!, currency)}, ${warnings[i]} warnings`}</title>
                  </rect>
                </a>
                <text x={x(i)} y={HEIGHT - PLOT.bottom + 18} className="tick" textAnchor="middle">
                  {label(r)}
                </text>
                {r.dryRun && (
                  <text x={x(i)} y={HEIGHT - PLOT.bottom + 32} className="tick" textAnchor="middle">
                    dry
                  </text>
                )}
              </g>
            );
          })}
          <polyline points={warnings.map((w, i) => `${x(i)},${warningY(w)}`).join(' ')} className="warning-line" />
          {warnings.map((w, i) => (
            <circle key={i} cx={x(i)} cy={warningY(w)} r={3.5} className="warning-dot" />
          ))}
        </svg>
      </div>
      <p className="chart-legend">
        <span className="key up" /> more billing <span className="key down" /> less billing <span className="key dry" /> dry run (planned)
        <span className="key line" /> warnings (right scale)
      </p>
    </figure>
  );
}
