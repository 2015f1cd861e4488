import { container } from 'tsyringe';
import type { LogEntry, LogLevel, PlanToWrite, RunContext } from '../../src/host/api.js';
import { BillingTask, type BillingTaskResult } from '../../src/task/billingTask.js';
import {
  CONNECTWISE_TUNING,
  PROGRESS_LISTENER,
  RUN_DEADLINE,
  type ConnectWiseClientTuning,
  type ProgressListener,
} from '../../src/task/tokens.js';
import { generateDataset, type Dataset, type DatasetOptions } from '../../scripts/sandbox/generator.js';
import { startSandboxes, type Sandboxes } from '../../scripts/sandbox/sandboxes.js';
import type { AtriaSandboxOptions } from '../../scripts/sandbox/atriaServer.js';
import type { ConnectWiseSandboxOptions } from '../../scripts/sandbox/connectwiseServer.js';

/** The run clock the tests pin: the day after the latest closed period ends. */
export const TEST_NOW = new Date('2026-11-26T22:00:00Z');

/** Fast retries for tests: the policy is the same, only the waits are short. */
export const FAST_RETRY: ConnectWiseClientTuning = { retry: { backoffBaseMs: 5, backoffMaxMs: 40 }, timeoutMs: 5000 };

export interface Scenario {
  dataset: Dataset;
  sandboxes: Sandboxes;
  run(options?: RunOptions): Promise<{ result: BillingTaskResult; entries: LogEntry[] }>;
  close(): Promise<void>;
}

export interface RunOptions {
  parameters?: Record<string, unknown>;
  secrets?: unknown;
  logLevel?: LogLevel;
  signal?: AbortSignal;
  tuning?: ConnectWiseClientTuning;
  now?: Date;
  /** The run deadline in ms, instead of MaxRunMinutes. */
  deadlineMs?: number;
  /** Where entries go besides the returned list (a failing disk, say). */
  sink?: (entry: LogEntry) => void;
  /** A plan to apply or revert instead of deciding one. */
  planToWrite?: PlanToWrite;
  /** Where the run's progress goes (a terminal's progress line in the CLI). */
  progress?: ProgressListener;
}

export function secretsOf(dataset: Dataset): Record<string, string> {
  const { companyName, publicKey, privateKey, clientId } = dataset.credentials;
  return { CompanyName: companyName, PublicKey: publicKey, PrivateKey: privateKey, ClientId: clientId };
}

/** The run context the host would give for a run against the sandboxes; entries go to `entries`. */
export function runContextFor(sandboxes: Sandboxes, dataset: Dataset, options: RunOptions, entries: LogEntry[]): RunContext {
  return {
    jobId: 'job-1',
    runId: `run-${Math.random()}`,
    jobName: 'test job',
    parameters: {
      apiUrl: sandboxes.connectWise.apiBase,
      AllowAtriaCreateAdditions: true,
      BillingPeriod: 'Previous',
      ...options.parameters,
    },
    secrets: options.secrets === undefined ? secretsOf(dataset) : options.secrets,
    logLevel: options.logLevel ?? 'Verbose',
    log: (entry) => {
      options.sink?.(entry);
      entries.push(entry);
    },
    signal: options.signal ?? new AbortController().signal,
    atria: { baseUrl: sandboxes.atria.url, token: dataset.atriaToken },
    now: () => options.now ?? TEST_NOW,
    ...(options.planToWrite ? { planToWrite: options.planToWrite } : {}),
  };
}

/** Runs the task in-process (host API v1) against sandboxes over loopback HTTP. */
export async function runTask(
  sandboxes: Sandboxes,
  dataset: Dataset,
  options: RunOptions = {},
): Promise<{ result: BillingTaskResult; entries: LogEntry[] }> {
  const parent = container.createChildContainer();
  parent.register(CONNECTWISE_TUNING, { useValue: options.tuning ?? FAST_RETRY });
  if (options.progress) parent.register(PROGRESS_LISTENER, { useValue: options.progress });
  if (options.deadlineMs !== undefined) parent.register(RUN_DEADLINE, { useValue: () => options.deadlineMs! });
  const task = new BillingTask(parent);
  const entries: LogEntry[] = [];
  const result = await task.run(runContextFor(sandboxes, dataset, options, entries));
  return { result, entries };
}

export async function startScenario(
  datasetOptions: Partial<DatasetOptions> & { customers: number; skusPerCustomer: number },
  sandboxOptions: { connectWise?: Partial<ConnectWiseSandboxOptions>; atria?: Partial<AtriaSandboxOptions> } = {},
  mutate?: (dataset: Dataset) => void,
): Promise<Scenario> {
  const dataset = generateDataset({ seed: 11, now: TEST_NOW, ...datasetOptions });
  mutate?.(dataset);
  const sandboxes = await startSandboxes(dataset, sandboxOptions);
  return { dataset, sandboxes, run: (options) => runTask(sandboxes, dataset, options), close: () => sandboxes.close() };
}

export const codesOf = (entries: LogEntry[]): string[] => entries.map((e) => e.code);
export const entriesWith = (entries: LogEntry[], code: string): LogEntry[] => entries.filter((e) => e.code === code);

/** The one entry with `code`: the test fails unless there is exactly one. */
export const only = (entries: LogEntry[], code: string): LogEntry => {
  const found = entriesWith(entries, code);
  expect(found).toHaveLength(1);
  return found[0]!;
};
