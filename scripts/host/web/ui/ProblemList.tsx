import type { Problem } from './api.js';

/** The coded entries a save was refused for that belong to no single field. */
export function ProblemList({ problems }: { problems: Problem[] }) {
  return (
    <ul className="problems" role="alert">
      {problems.map((p, i) => (
        <li key={i}>
          {p.code && <strong>{p.code} </strong>}
          {p.message}
        </li>
      ))}
    </ul>
  );
}
