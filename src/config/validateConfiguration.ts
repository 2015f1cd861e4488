import type { ErrorObject } from 'ajv';
import { CodedError } from '../errors.js';
import { parametersSchema, secretsSchema, type JsonSchema } from '../schemas.js';
import { ApiUrlError, normalizeApiUrl } from './apiUrl.js';
import { JsonSyntaxError, parseLenientJson } from '../util/lenientJson.js';
import { compile, errorPath, errorProperty } from './schemaValidator.js';
import { didYouMean } from '../util/closest.js';
import type { BillingConfiguration, BillingParameters, ConnectWiseSecrets } from './types.js';

export type ValidationOutcome = { ok: true; configuration: BillingConfiguration } | { ok: false; problems: CodedError[] };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks secrets and parameters against their schemas; every problem becomes its own coded error. */
export class ConfigurationValidator {
  private readonly parameterSchema = parametersSchema();
  private readonly validateParameters = compile<BillingParameters>(this.parameterSchema, 'parameters');
  private readonly validateSecrets = compile<ConnectWiseSecrets>(secretsSchema(), 'secrets');

  validate(rawParameters: unknown, rawSecrets: unknown): ValidationOutcome {
    const problems: CodedError[] = [];
    const secrets = this.checkSecrets(rawSecrets, problems);
    const parameters = this.checkParameters(rawParameters, problems);
    if (problems.length > 0 || !secrets || !parameters) return { ok: false, problems };
    return { ok: true, configuration: { parameters, secrets } };
  }

  private checkSecrets(raw: unknown, problems: CodedError[]): ConnectWiseSecrets | undefined {
    const secrets = readObject(raw, 'CW16', 'secrets', problems);
    if (!secrets) return undefined;
    const copy = { ...secrets };
    if (this.validateSecrets(copy)) return copy as unknown as ConnectWiseSecrets;
    // One entry per field; the value itself is never echoed.
    const fields = new Set((this.validateSecrets.errors ?? []).map(errorProperty).filter(Boolean));
    for (const field of fields) {
      const hint = SECRET_HINTS[field];
      problems.push(
        new CodedError('CW18', { field }, `${field} must have a valid value`, {
          details: { ...aboutField(field), ...(hint ? { suffix: ` (${hint})` } : {}) },
        }),
      );
    }
    return undefined;
  }

  private checkParameters(raw: unknown, problems: CodedError[]): BillingParameters | undefined {
    const parameters = readObject(raw, 'CW17', 'parameters', problems);
    if (!parameters) return undefined;
    const copy = coerceFriendlyValues({ ...parameters }, this.parameterSchema);
    const before = problems.length;
    if (typeof copy.apiUrl !== 'string' || copy.apiUrl.trim() === '') {
      problems.push(
        new CodedError('CW17', { error: 'api url is not available' }, 'api url is not available', { details: aboutField('apiUrl') }),
      );
      delete copy.apiUrl;
    }
    if (!this.validateParameters(copy)) {
      for (const error of this.validateParameters.errors ?? []) {
        if (errorProperty(error) === 'apiUrl' && copy.apiUrl === undefined) continue;
        problems.push(parameterProblem(error, Object.keys(this.parameterSchema.properties ?? {})));
      }
    }
    if (typeof copy.apiUrl === 'string' && copy.apiUrl.trim() !== '') {
      try {
        copy.apiUrl = normalizeApiUrl(copy.apiUrl);
      } catch (error) {
        if (!(error instanceof ApiUrlError)) throw error;
        problems.push(new CodedError('CW17', { error: `/apiUrl ${error.message}` }, error.message, { details: aboutField('apiUrl') }));
      }
    }
    const period = copy.BillingPeriod;
    if (typeof period === 'string' && DATE.test(period) && !isCalendarDate(period)) {
      problems.push(
        new CodedError('CW19', { detail: `${period} is not a calendar date` }, 'not a calendar date', {
          details: aboutField('BillingPeriod'),
        }),
      );
    }
    return problems.length === before ? (copy as unknown as BillingParameters) : undefined;
  }
}

/**
 * The JSON object a job stores, from what the host hands over: an object, JSON text (trailing
 * commas allowed), or an Error when the host could not read or decrypt it. Anything else is a
 * problem with the given code (CW16 for secrets, CW17 for parameters).
 */
function readObject(raw: unknown, code: 'CW16' | 'CW17', what: string, problems: CodedError[]): Record<string, unknown> | undefined {
  const problem = (error: string): undefined => {
    problems.push(new CodedError(code, { error }, error));
    return undefined;
  };
  if (raw instanceof Error) return problem(raw.message); // the host's own reason
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = parseLenientJson(raw);
    } catch (error) {
      // A secret's text is the secret: where the error is, never what was found there.
      const detail = error instanceof JsonSyntaxError ? ` (${code === 'CW16' ? error.withoutContent : error.message})` : '';
      return problem(`${what} are not valid JSON${detail}`);
    }
  }
  if (value === undefined || value === null) return problem(`no ${what} are stored for the job`);
  if (typeof value !== 'object' || Array.isArray(value)) return problem(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function parameterProblem(error: ErrorObject, parameterNames: readonly string[]): CodedError {
  if (errorProperty(error) === 'BillingPeriod') {
    const detail = 'BillingPeriod must be Previous, Current or a date YYYY-MM-DD';
    return new CodedError('CW19', { detail }, detail, { details: aboutField('BillingPeriod') });
  }
  const text = plainWords(error, parameterNames);
  return new CodedError('CW17', { error: text }, text, { details: aboutField(errorProperty(error)) });
}

/** Which field an entry is about (data.field), so a job form shows it beside that field. */
const aboutField = (field: string) => (field ? { data: { field } } : {});

/** What the secrets' fields must hold, where the schema's own words would not help. */
const SECRET_HINTS: Record<string, string> = {
  ClientId:
    "a GUID such as 12345678-90ab-cdef-1234-567890abcdef, from ConnectWise developer support; the template's XXXXXXXX is a placeholder",
};

/** An ajv error in an administrator's words: "AgreementType must not be empty", not "must NOT have fewer than 1 characters". */
function plainWords(error: ErrorObject, known: readonly string[]): string {
  const name = errorPath(error).replace(/^\//, '').replace(/\//g, '.') || 'the parameters';
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const guess = didYouMean(String(p.additionalProperty), known);
      return `${name} is not a known parameter${guess ? `; did you mean ${guess}?` : ` (known: ${known.join(', ')})`}`;
    }
    case 'required':
      return `${name} is required`;
    case 'minLength':
      return p.limit === 1 ? `${name} must not be empty` : `${name} must be at least ${String(p.limit)} characters`;
    case 'maxLength':
      return `${name} must be at most ${String(p.limit)} characters`;
    case 'type':
      return `${name} must be ${({ boolean: 'true or false', integer: 'a whole number', number: 'a number', string: 'text', array: 'a list', object: 'an object' } as Record<string, string>)[String(p.type)] ?? `a ${String(p.type)}`}`;
    case 'enum':
      return `${name} must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'minimum':
      return `${name} must be at least ${String(p.limit)}`;
    case 'maximum':
      return `${name} must be at most ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `${name} must be more than ${String(p.limit)}`;
    case 'minItems':
      return `${name} must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'uniqueItems':
      return `${name} must not list an item twice`;
    default:
      return `${name} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Friendly spellings the vendor's users type: "True"/"False" for booleans, and any case for
 * the enumerated words. Which properties are booleans or enums is read from the schema.
 */
function coerceFriendlyValues(parameters: Record<string, unknown>, schema: JsonSchema): Record<string, unknown> {
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const value = parameters[name];
    if (typeof value !== 'string') continue;
    if (property.type === 'boolean' && /^(true|false)$/i.test(value.trim())) {
      parameters[name] = value.trim().toLowerCase() === 'true';
    }
    const words = Array.isArray(property.enum) ? (property.enum as unknown[]) : patternWords(property.pattern);
    const match = words.find((word) => typeof word === 'string' && word.toLowerCase() === value.trim().toLowerCase());
    if (match !== undefined) parameters[name] = match;
  }
  return parameters;
}

/** The literal alternatives of a pattern like `^(Previous|Current|...)$`. */
function patternWords(pattern: unknown): string[] {
  if (typeof pattern !== 'string') return [];
  const inner = /^\^\((.*)\)\$$/.exec(pattern)?.[1] ?? '';
  return inner.split('|').filter((word) => /^\w+$/.test(word));
}

function isCalendarDate(text: string): boolean {
  const [, y = 0, m = 0, d = 0] = DATE.exec(text)!.map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
