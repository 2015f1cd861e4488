import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import type { AtriaConnection, ExtensionHost, LogEntry, LogLevel, TaskType } from '../src/host/api.js';
import type { BillingTaskResult } from '../src/task/billingTask.js';

export interface InProcessRun {
  parameters: unknown;
  secrets: unknown;
  atria: AtriaConnection;
  logLevel: LogLevel;
  now?: () => Date;
  signal?: AbortSignal;
  onEntry?: (entry: LogEntry) => void;
  packageDir?: string;
}

/** Loads a built extension package the way a host does: manifest → entry → activate(host). */
export async function loadTaskTypes(packageDir: string): Promise<TaskType[]> {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'extension.manifest.json'), 'utf8')) as { entry: string; hostApiVersion: number };
  const module = (await import(pathToFileURL(path.join(packageDir, manifest.entry)).href)) as { activate(host: ExtensionHost): void };
  const taskTypes: TaskType[] = [];
  module.activate({ hostApiVersion: manifest.hostApiVersion, registerTaskType: (t) => taskTypes.push(t) });
  return taskTypes;
}

/** A minimal host: one run of the billing task through host API v1, entries collected. */
export async function runInProcess(run: InProcessRun): Promise<{ result: BillingTaskResult; entries: LogEntry[] }> {
  const [task] = await loadTaskTypes(run.packageDir ?? process.cwd());
  const entries: LogEntry[] = [];
  const result = (await task.run({
    jobId: 'demo-job',
    runId: randomUUID(),
    jobName: 'Transfer Billing Data to ConnectWise',
    parameters: run.parameters,
    secrets: run.secrets,
    logLevel: run.logLevel,
    log: (entry) => {
      entries.push(entry);
      run.onEntry?.(entry);
    },
    signal: run.signal ?? new AbortController().signal,
    atria: run.atria,
    now: run.now ?? (() => new Date()),
  })) as BillingTaskResult;
  return { result, entries };
}
