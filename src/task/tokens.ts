import type { InjectionToken } from 'tsyringe';
import type { AtriaGateway } from '../gateways/atria/AtriaGateway.js';
import type { HttpClientOptions } from '../gateways/connectwise/httpClient.js';
import type { RunContext } from '../host/api.js';
import type { BillingConfiguration } from '../config/types.js';
import type { RunLogger } from '../logging/runLogger.js';

/** Per-run values, registered in the run's child container. */
export const CONFIGURATION: InjectionToken<BillingConfiguration> = Symbol('BillingConfiguration');
export const RUN_LOGGER: InjectionToken<RunLogger> = Symbol('RunLogger');
export const CLOCK: InjectionToken<Clock> = Symbol('Clock');

/** Overridable in a parent container: how a run reaches Atria, and ConnectWise client tuning. */
export type AtriaGatewayFactory = (context: RunContext) => AtriaGateway;
export const ATRIA_GATEWAY_FACTORY: InjectionToken<AtriaGatewayFactory> = Symbol('AtriaGatewayFactory');
export type ConnectWiseClientTuning = Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retry' | 'budget' | 'random' | 'settleMs'>>;
export const CONNECTWISE_TUNING: InjectionToken<ConnectWiseClientTuning> = Symbol('ConnectWiseClientTuning');

export interface Clock {
  now(): Date;
}

/** How far a run has got, for a terminal's progress line. */
export interface RunProgress {
  phase: 'reading' | 'writing';
  customersDone: number;
  customersTotal: number;
  requests: number;
  retries: number;
  changes: number;
  /** ConnectWise requests per second since the run began. */
  requestsPerSecond: number;
  /** The pace allowed now (learned from 429s, or MaxRequestsPerSecond); undefined while unpaced. */
  pacePerSecond?: number;
  /** 429 answers so far: ConnectWise throttling the run. */
  rateLimited: number;
}
export type ProgressListener = (progress: RunProgress) => void;
/** Overridable in a parent container (the CLI on a terminal); a no-op by default. */
export const PROGRESS_LISTENER: InjectionToken<ProgressListener> = Symbol('ProgressListener');

/** The run deadline in ms; by default MaxRunMinutes. A parent container may shorten it (tests). */
export type RunDeadline = (configuredMinutes: number) => number;
export const RUN_DEADLINE: InjectionToken<RunDeadline> = Symbol('RunDeadline');
