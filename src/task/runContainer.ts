import type { DependencyContainer } from 'tsyringe';
import { instanceCachingFactory } from 'tsyringe';
import type { BillingConfiguration } from '../config/types.js';
import { ATRIA_GATEWAY } from '../gateways/atria/AtriaGateway.js';
import { HttpAtriaGateway } from '../gateways/atria/httpAtriaGateway.js';
import { CONNECTWISE_GATEWAY } from '../gateways/connectwise/ConnectWiseGateway.js';
import { ConnectWiseHttpClient } from '../gateways/connectwise/httpClient.js';
import { HttpConnectWiseGateway } from '../gateways/connectwise/httpConnectWiseGateway.js';
import type { RunContext } from '../host/api.js';
import type { RunLogger } from '../logging/runLogger.js';
import { FileRunLock, RUN_LOCK } from './runLock.js';
import {
  ATRIA_GATEWAY_FACTORY,
  CLOCK,
  RUN_DEADLINE,
  CONFIGURATION,
  CONNECTWISE_TUNING,
  PROGRESS_LISTENER,
  RUN_LOGGER,
  type Clock,
} from './tokens.js';

/** Defaults a parent container may override (the CLI's file source, the tests' tuning). */
export function registerDefaults(root: DependencyContainer): void {
  if (!root.isRegistered(ATRIA_GATEWAY_FACTORY, true)) {
    root.register(ATRIA_GATEWAY_FACTORY, { useValue: (context: RunContext) => new HttpAtriaGateway(context.atria, context.signal) });
  }
  if (!root.isRegistered(CONNECTWISE_TUNING, true)) root.register(CONNECTWISE_TUNING, { useValue: {} });
  if (!root.isRegistered(PROGRESS_LISTENER, true)) root.register(PROGRESS_LISTENER, { useValue: () => undefined });
  if (!root.isRegistered(RUN_DEADLINE, true)) root.register(RUN_DEADLINE, { useValue: (minutes: number) => minutes * 60_000 });
  if (!root.isRegistered(RUN_LOCK, true)) root.register(RUN_LOCK, { useFactory: instanceCachingFactory(() => new FileRunLock()) });
}

/** One child container per run: that run's parameters, secrets, clock, logger and gateways. */
export function createRunContainer(
  root: DependencyContainer,
  context: RunContext,
  configuration: BillingConfiguration,
  logger: RunLogger,
): DependencyContainer {
  const run = root.createChildContainer();
  run.register(CONFIGURATION, { useValue: configuration });
  run.register(RUN_LOGGER, { useValue: logger });
  run.register<Clock>(CLOCK, { useValue: { now: () => context.now() } });
  run.register(ATRIA_GATEWAY, { useFactory: instanceCachingFactory((c) => c.resolve(ATRIA_GATEWAY_FACTORY)(context)) });
  run.register(CONNECTWISE_GATEWAY, {
    useFactory: instanceCachingFactory((c) => {
      const { parameters, secrets } = configuration;
      const client = new ConnectWiseHttpClient({
        ...c.resolve(CONNECTWISE_TUNING),
        baseUrl: parameters.apiUrl,
        credentials: {
          companyName: secrets.CompanyName,
          publicKey: secrets.PublicKey,
          privateKey: secrets.PrivateKey,
          clientId: secrets.ClientId,
        },
        maxConcurrency: parameters.MaxConcurrency,
        maxRequestsPerSecond: parameters.MaxRequestsPerSecond,
        signal: context.signal,
      });
      return new HttpConnectWiseGateway(client);
    }),
  });
  return run;
}
