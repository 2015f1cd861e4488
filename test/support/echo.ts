import { basicAuthorization } from '../../src/gateways/connectwise/httpClient.js';

/** Secrets with characters that URL-encoding changes, so every form differs from the raw value. */
export const ECHOED = {
  companyName: 'acme msp',
  publicKey: 'Pub/Key+01',
  privateKey: 'Priv&Key=Äö#99',
  clientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c',
};
export const ECHOED_SECRETS = {
  CompanyName: ECHOED.companyName,
  PublicKey: ECHOED.publicKey,
  PrivateKey: ECHOED.privateKey,
  ClientId: ECHOED.clientId,
};

/** Every form an echo could carry: raw, URL-encoded, upper and lower case, and the Basic token. */
export function echoedForms(secrets: Record<string, string>): string[] {
  return Object.values(secrets)
    .flatMap((v) => [v, encodeURIComponent(v), v.toUpperCase(), v.toLowerCase()])
    .concat(basicAuthorization(ECHOED).slice('Basic '.length));
}

/** A ConnectWise (or proxy) error body that echoes every secret in every form. */
export const echoMessage = (): string => `Denied: ${echoedForms(ECHOED_SECRETS).join(' | ')}`;
