import { createScanner, getNodeValue, type Node, parseTree, type ParseError, printParseErrorCode, type SyntaxKind } from 'jsonc-parser';

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read: its published values.
const OPEN_BRACE = 1 as SyntaxKind;
const CLOSE_BRACE = 2 as SyntaxKind;
const OPEN_BRACKET = 3 as SyntaxKind;
const CLOSE_BRACKET = 4 as SyntaxKind;
const EOF = 17 as SyntaxKind;

/**
 * JSON as administrators paste it, read with jsonc-parser: trailing commas are taken (the vendor's
 * own example has one); any other syntax error, a key given twice, or nesting deeper than any
 * configuration needs is refused with its line and column.
 */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    /** The text where parsing stopped, e.g. "(found 'x')": never shown for secrets. */
    readonly found = '',
  ) {
    super(`${reason}${found ? ` ${found}` : ''} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
  }

  /** Where and what, without a character of the text: for a secrets file, whose text is the secret. */
  get withoutContent(): string {
    return `${this.reason} at line ${this.line}, column ${this.column}`;
  }
}

/**
 * A file's JSON for the task, or an Error naming the file, line and column when it is not JSON.
 * For secrets the error never quotes the text (an unquoted key would be printed whole).
 */
export function parseJsonFile(text: string, file: string, what: 'parameters' | 'secrets'): unknown {
  try {
    return parseLenientJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return new Error(`the ${what} file ${file} is not valid JSON: ${what === 'secrets' ? error.withoutContent : error.message}`);
  }
}

/** Deeper than this is no parameters, secrets or Atria file: refused before parsing (20,000 `[` must not blow the stack). */
const MAX_DEPTH = 64;

/**
 * The JSON value of a text, or the text itself when it is not JSON: the validator then reports the
 * syntax error, coded and with its line, instead of the caller inventing its own message.
 */
export function parseLenientJsonOrKeepText(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return parseLenientJson(text);
  } catch {
    return text;
  }
}

export function parseLenientJson(text: string): unknown {
  const source = text.replace(/^\uFEFF/, '');
  const at = lineAndColumn(source);
  checkDepth(source, at);
  const errors: ParseError[] = [];
  const tree = parseTree(source, errors, { allowTrailingComma: true, disallowComments: true, allowEmptyContent: false });
  const [first] = errors;
  if (first) {
    const { line, column } = at(first.offset);
    throw new JsonSyntaxError(describeError(first), line, column, foundText(first, source));
  }
  if (!tree) throw new JsonSyntaxError('No JSON value', 1, 1);
  checkDuplicateKeys(tree, at);
  return getNodeValue(tree);
}

function describeError(error: ParseError): string {
  return printParseErrorCode(error.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function foundText(error: ParseError, source: string): string {
  const found = source.slice(error.offset, error.offset + Math.max(1, Math.min(error.length, 20)));
  return found ? `(found '${found}')` : '(the text ended early)';
}

function checkDepth(source: string, at: (offset: number) => { line: number; column: number }): void {
  const scanner = createScanner(source, true);
  let depth = 0;
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (token === OPEN_BRACE || token === OPEN_BRACKET) depth++;
    else if (token === CLOSE_BRACE || token === CLOSE_BRACKET) depth--;
    if (depth > MAX_DEPTH) {
      const { line, column } = at(scanner.getTokenOffset());
      throw new JsonSyntaxError(`nesting deeper than ${MAX_DEPTH} levels`, line, column);
    }
  }
}

/** A key given twice in one object: JSON.parse would keep the last silently; a configuration must not guess. */
function checkDuplicateKeys(root: Node, at: (offset: number) => { line: number; column: number }): void {
  const pending: Node[] = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const key = property.children?.[0];
        if (key && typeof key.value === 'string') {
          if (seen.has(key.value)) {
            const { line, column } = at(key.offset);
            throw new JsonSyntaxError(`the key "${key.value}" is given twice`, line, column);
          }
          seen.add(key.value);
        }
      }
    }
    pending.push(...(node.children ?? []));
  }
}

/** Offsets to 1-based line and column. */
function lineAndColumn(source: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  };
}
