import 'reflect-metadata';
import type { ExtensionHost } from './host/api.js';
import { HOST_API_VERSION } from './host/api.js';
import { BillingTask } from './task/billingTask.js';

export * from './host/api.js';
export * from './host/kit.js';
export { BillingTask } from './task/billingTask.js';

/** The host's entry point: registers the ConnectWise Manage Billing task type. */
export function activate(host: ExtensionHost): void {
  if (host.hostApiVersion !== HOST_API_VERSION) {
    throw new Error(`This extension needs host API version ${HOST_API_VERSION}; the host offers ${host.hostApiVersion}`);
  }
  host.registerTaskType(new BillingTask());
}
