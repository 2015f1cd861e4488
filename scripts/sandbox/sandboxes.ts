import { AtriaSandbox, type AtriaSandboxOptions } from './atriaServer.js';
import { ConnectWiseSandbox, type ConnectWiseSandboxOptions } from './connectwiseServer.js';
import type { Dataset } from './generator.js';

export interface Sandboxes {
  connectWise: ConnectWiseSandbox;
  atria: AtriaSandbox;
  close(): Promise<void>;
}

/** Starts both sandbox servers on loopback over one generated dataset. */
export async function startSandboxes(
  dataset: Dataset,
  options: { connectWise?: Partial<ConnectWiseSandboxOptions>; atria?: Partial<AtriaSandboxOptions> } = {},
): Promise<Sandboxes> {
  const connectWise = await ConnectWiseSandbox.start(dataset.state, { credentials: dataset.credentials, ...options.connectWise });
  const atria = await AtriaSandbox.start(dataset.atria, { token: dataset.atriaToken, ...options.atria });
  return {
    connectWise,
    atria,
    close: async () => {
      await Promise.all([connectWise.close(), atria.close()]);
    },
  };
}
