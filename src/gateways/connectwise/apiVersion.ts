/** The ConnectWise API version this client is written against (spec 8). */
export const CONNECTWISE_API_VERSION = '2025.8';

/** The numbers of a version as ConnectWise writes it ("v2025.8.1", "2025.8"), or undefined. */
const numbers = (version: string): number[] | undefined => {
  const match = /^v?(\d+(?:\.\d+)*)/i.exec(version.trim());
  return match ? match[1]!.split('.').map(Number) : undefined;
};

/**
 * Why a server of this version cannot answer the API version this client asks for, or undefined
 * when it can (or when its version cannot be read: then its own answers decide). A server serves
 * API versions up to its own year.release.
 */
export function unsupportedApiVersion(serverVersion: string | undefined, wanted = CONNECTWISE_API_VERSION): string | undefined {
  const server = serverVersion === undefined ? undefined : numbers(serverVersion);
  const asked = numbers(wanted)!;
  if (!server) return undefined;
  for (let i = 0; i < asked.length; i++) {
    const a = asked[i]!;
    const s = server[i] ?? 0;
    if (s > a) return undefined;
    if (s < a)
      return `ConnectWise runs version ${serverVersion}, which does not support the API version ${wanted} this extension asks for: upgrade ConnectWise to ${wanted} or later, or use a version of this extension written for ${serverVersion}`;
  }
  return undefined;
}
