import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compile } from '../config/schemaValidator.js';
import type { PlanItem, PlanToWrite, RunStatus } from '../host/api.js';
import { readPackageJson, type JsonSchema } from '../schemas.js';

export const PLAN_FORMAT = 'cwm-billing-plan/1';

/** A run's plan as a file (schemas/plan.schema.json): its lines, and the run, period and time that made them. */
export interface PlanDocument {
  format: typeof PLAN_FORMAT;
  runId: string;
  job?: string;
  dryRun: boolean;
  status: RunStatus | 'AwaitingApproval';
  period?: { startDate: string; endDate: string };
  createdAt: string;
  items: PlanItem[];
}

export const planToJson = (document: PlanDocument): string => JSON.stringify(document, null, 2) + '\n';

let validatePlan: ReturnType<typeof compile<PlanDocument>> | undefined;

/** The plan file's document, or what is wrong with it (said in terms of the file, never of its values). */
export function parsePlanDocument(text: string): PlanDocument | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'it is not JSON (write it with run --plan-file F.json)' };
  }
  validatePlan ??= compile<PlanDocument>(readPackageJson<JsonSchema>('schemas/plan.schema.json'));
  if (validatePlan(value)) return value;
  const first = validatePlan.errors?.[0];
  return { problem: `it is not a plan file of this version (${first?.instancePath || '/'} ${first?.message ?? 'invalid'})` };
}

/**
 * The plan to write from a plan file: apply takes a dry run's plan that finished (not Failed or
 * Cancelled) with its period; revert takes a real run's. Anything else is refused before a request.
 */
export async function readPlanToWrite(file: string, purpose: PlanToWrite['purpose']): Promise<PlanToWrite | { problem: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { problem: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const document = parsePlanDocument(text);
  if ('problem' in document) return document;
  const problem = planProblem(document, purpose);
  if (problem) return { problem };
  return {
    purpose,
    source: `plan file ${path.basename(file)} (run ${document.runId})`,
    period: document.period!,
    createdAt: document.createdAt,
    items: document.items,
  };
}

/** Why a plan cannot serve this purpose, or undefined. */
export function planProblem(
  document: Pick<PlanDocument, 'dryRun' | 'status' | 'period'>,
  purpose: PlanToWrite['purpose'],
): string | undefined {
  if (purpose === 'apply' && !document.dryRun)
    return "it is the plan of a run that wrote (apply takes a dry run's plan; revert undoes a run)";
  if (purpose === 'revert' && document.dryRun) return "it is a dry run's plan, which wrote nothing to revert (apply applies it)";
  if (document.status === 'Failed' || document.status === 'Cancelled')
    if (purpose === 'apply') return `its dry run ended ${document.status}, so it is not a whole plan: make a new dry run`;
  if (!document.period) return 'it does not say its billing period (the run stopped before resolving it)';
  return undefined;
}
