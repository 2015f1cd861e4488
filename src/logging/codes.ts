import { readPackageJson } from '../schemas.js';
import type { LogLevel } from '../host/api.js';

export interface LogCodeDefinition {
  code: string;
  level: LogLevel;
  title: string;
  message: string;
  resolution?: string;
}

export type LogCode =
  | 'CW01'
  | 'CW02'
  | 'CW03'
  | 'CW04'
  | 'CW05'
  | 'CW06'
  | 'CW07'
  | 'CW08'
  | 'CW09'
  | 'CW10'
  | 'CW11'
  | 'CW12'
  | 'CW13'
  | 'CW14'
  | 'CW15'
  | 'CW16'
  | 'CW17'
  | 'CW18'
  | 'CW19'
  | 'CW20'
  | 'CW21'
  | 'CW22'
  | 'CW23'
  | 'CW24'
  | 'CW25'
  | 'CW26'
  | 'CW27'
  | 'CW28'
  | 'CW29'
  | 'CW30'
  | 'CW31'
  | 'CW32'
  | 'CW33'
  | 'CW34'
  | 'CW35'
  | 'CW36'
  | 'CW37'
  | 'CW38'
  | 'CW39'
  | 'CW40';

export type MessageParams = Record<string, string | number>;

let catalog: Map<string, LogCodeDefinition> | undefined;

export function logCodeCatalog(): Map<string, LogCodeDefinition> {
  catalog ??= new Map(readPackageJson<{ codes: LogCodeDefinition[] }>('schemas/log-codes.json').codes.map((d) => [d.code, d]));
  return catalog;
}

export function logCode(code: LogCode): LogCodeDefinition {
  const definition = logCodeCatalog().get(code);
  if (!definition) throw new Error(`Log code ${code} is not in schemas/log-codes.json`);
  return definition;
}

/** Builds an entry's message from the catalog; a missing parameter is a programming error, not a silent gap. */
export function formatMessage(code: LogCode, params: MessageParams): string {
  return logCode(code).message.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (!(name in params)) throw new Error(`Log code ${code} needs parameter '${name}'`);
    return String(params[name]);
  });
}
