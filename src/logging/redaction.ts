import { parseLenientJson } from '../util/lenientJson.js';

/** Field names whose values are secret wherever they appear (headers, options, data), besides those the secrets schema marks. */
const GENERIC_SECRET_FIELDS = ['authorization', 'proxy-authorization', 'cookie', 'password', 'secret', 'secrets', 'token', 'x-api-key'];

/** Secret values shorter than this cannot be redacted without mangling ordinary text. */
const MIN_REDACTABLE_LENGTH = 3;
export const REDACTED = '***';

/**
 * Replaces every known secret value (and values derived from them, such as the Basic
 * authorization token) in strings, objects, errors and stacks.
 */
export class Redactor {
  /** Every form of every secret, longest first, matched case-insensitively; undefined when there is none. */
  private readonly pattern: RegExp | undefined;
  private readonly secretFields: Set<string>;

  constructor(secretValues: Iterable<string>, secretFieldNames: Iterable<string> = []) {
    this.secretFields = new Set([...GENERIC_SECRET_FIELDS, ...secretFieldNames].map((name) => name.toLowerCase()));
    const forms = new Set<string>();
    for (const value of secretValues) {
      if (typeof value !== 'string' || value.length < MIN_REDACTABLE_LENGTH) continue;
      // An echo may carry the value URL-encoded (a query string, a form) or JSON-escaped (an error body).
      for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) forms.add(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'giu') : undefined;
  }

  /**
   * Every string inside the secrets, whatever their shape, plus derived values, plus the field names
   * the schema marks secret. Secrets given as JSON text (a secrets file) are parsed first, so each
   * value is redacted, not only the whole text; text that is no JSON gives up its quoted strings.
   */
  static fromUnknownSecrets(secrets: unknown, extra: string[] = [], secretFieldNames: Iterable<string> = []): Redactor {
    return new Redactor([...collectStrings(secretsAsData(secrets)), ...extra], secretFieldNames);
  }

  text(input: string): string {
    return this.pattern ? input.replace(this.pattern, REDACTED) : input;
  }

  value<T>(input: T, depth = 0): T {
    if (typeof input === 'string') return this.text(input) as T;
    if (input === null || typeof input !== 'object' || depth > 8) return input;
    if (input instanceof Error) return this.error(input) as T;
    if (Array.isArray(input)) return input.map((item) => this.value(item, depth + 1)) as T;
    const output: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(input)) {
      output[key] = this.secretFields.has(key.toLowerCase()) ? REDACTED : this.value(item, depth + 1);
    }
    return output as T;
  }

  /** A copy of the error safe to log or rethrow: message and stack redacted, cause chain too. */
  error(error: Error): Error {
    const safe = new Error(this.text(error.message));
    safe.name = error.name;
    safe.stack = error.stack === undefined ? undefined : this.text(error.stack);
    return safe;
  }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Secrets as the host or the CLI hand them over: JSON text is parsed; unparseable text yields its quoted strings and itself. */
function secretsAsData(secrets: unknown): unknown {
  if (typeof secrets !== 'string') return secrets;
  try {
    return parseLenientJson(secrets);
  } catch {
    const quoted = [...secrets.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
    return [secrets, ...quoted];
  }
}

function collectStrings(input: unknown, depth = 0): string[] {
  if (typeof input === 'string') return [input];
  if (input === null || typeof input !== 'object' || depth > 4) return [];
  return Object.values(input).flatMap((item) => collectStrings(item, depth + 1));
}
