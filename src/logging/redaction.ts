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
  private readonly values: string[];
  private readonly secretFields: Set<string>;

  constructor(secretValues: Iterable<string>, secretFieldNames: Iterable<string> = []) {
    this.secretFields = new Set([...GENERIC_SECRET_FIELDS, ...secretFieldNames].map((name) => name.toLowerCase()));
    const unique = new Set<string>();
    for (const value of secretValues) {
      if (typeof value === 'string' && value.length >= MIN_REDACTABLE_LENGTH) unique.add(value);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.values = [...unique].sort((a, b) => b.length - a.length);
  }

  /** Every string inside the secrets (whatever their shape), plus derived values, plus the field names the schema marks secret. */
  static fromUnknownSecrets(secrets: unknown, extra: string[] = [], secretFieldNames: Iterable<string> = []): Redactor {
    return new Redactor([...collectStrings(secrets), ...extra], secretFieldNames);
  }

  text(input: string): string {
    let output = input;
    for (const value of this.values) {
      if (output.includes(value)) output = output.split(value).join(REDACTED);
    }
    return output;
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

function collectStrings(input: unknown, depth = 0): string[] {
  if (typeof input === 'string') return [input];
  if (input === null || typeof input !== 'object' || depth > 4) return [];
  return Object.values(input).flatMap((item) => collectStrings(item, depth + 1));
}
