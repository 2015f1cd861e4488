/**
 * ConnectWise's `conditions` grammar, as the sandbox understands it:
 *   expr  := term (or term)*        term := factor (and factor)*
 *   factor := not factor | ( expr ) | field op value | field [not] in ( value, ... )
 *   op := = != < <= > >= like contains      value := "str" | 'str' | number | true | false | null | [date]
 * Fields are nested with `/`. String comparison is case-insensitive, as on ConnectWise.
 */
export class ConditionsSyntaxError extends Error {}

export type Value = string | number | boolean | null | { date: number };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; field: string[]; op: string; value: Value }
  | { kind: 'in'; field: string[]; values: Value[]; negated: boolean };

type Token = { type: 'word' | 'string' | 'number' | 'date' | 'op' | 'punct'; text: string; value?: Value };

const OPERATORS = ['<=', '>=', '!=', '=', '<', '>'];

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      const end = input.indexOf(ch, i + 1);
      if (end < 0) throw new ConditionsSyntaxError(`unterminated string starting at ${i}`);
      const text = input.slice(i + 1, end);
      tokens.push({ type: 'string', text, value: text });
      i = end + 1;
    } else if (ch === '[') {
      const end = input.indexOf(']', i + 1);
      if (end < 0) throw new ConditionsSyntaxError(`unterminated date starting at ${i}`);
      const text = input.slice(i + 1, end);
      const date = Date.parse(text);
      if (Number.isNaN(date)) throw new ConditionsSyntaxError(`invalid date [${text}]`);
      tokens.push({ type: 'date', text, value: { date } });
      i = end + 1;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: 'punct', text: ch });
      i++;
    } else if (OPERATORS.some((op) => input.startsWith(op, i))) {
      const op = OPERATORS.find((o) => input.startsWith(o, i))!;
      tokens.push({ type: 'op', text: op });
      i += op.length;
    } else if (/[-\d]/.test(ch) && /^-?\d/.test(input.slice(i, i + 2))) {
      const match = /^-?\d+(\.\d+)?/.exec(input.slice(i))!;
      tokens.push({ type: 'number', text: match[0], value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_/.]*/.exec(input.slice(i))!;
      tokens.push({ type: 'word', text: match[0] });
      i += match[0].length;
    } else {
      throw new ConditionsSyntaxError(`unexpected character '${ch}' at ${i}`);
    }
  }
  return tokens;
}

export function parseConditions(input: string): Condition {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (word: string, token = peek()): boolean => token?.type === 'word' && token.text.toLowerCase() === word;
  const expectPunct = (p: string): void => {
    if (peek()?.type !== 'punct' || peek()!.text !== p) throw new ConditionsSyntaxError(`expected '${p}' at token ${pos}`);
    pos++;
  };

  const value = (): Value => {
    const token = peek();
    if (!token) throw new ConditionsSyntaxError('expected a value at end of conditions');
    if (token.type === 'string' || token.type === 'number' || token.type === 'date') {
      pos++;
      return token.value!;
    }
    if (isWord('true')) return (pos++, true);
    if (isWord('false')) return (pos++, false);
    if (isWord('null')) return (pos++, null);
    throw new ConditionsSyntaxError(`expected a value, found '${token.text}'`);
  };

  const comparison = (): Condition => {
    const token = peek();
    if (token?.type !== 'word' || ['and', 'or', 'not', 'in', 'like', 'contains'].includes(token.text.toLowerCase())) {
      throw new ConditionsSyntaxError(`expected a field name, found '${token?.text ?? 'end of conditions'}'`);
    }
    pos++;
    const field = token.text.split('/');
    let negated = false;
    if (isWord('not')) {
      negated = true;
      pos++;
    }
    if (isWord('in')) {
      pos++;
      expectPunct('(');
      const values = [value()];
      while (peek()?.type === 'punct' && peek()!.text === ',') {
        pos++;
        values.push(value());
      }
      expectPunct(')');
      return { kind: 'in', field, values, negated };
    }
    let op: string;
    if (isWord('like') || isWord('contains')) op = peek()!.text.toLowerCase();
    else if (peek()?.type === 'op') op = peek()!.text;
    else throw new ConditionsSyntaxError(`expected an operator after '${token.text}'`);
    pos++;
    const compare: Condition = { kind: 'compare', field, op, value: value() };
    return negated ? { kind: 'not', operand: compare } : compare;
  };

  const factor = (): Condition => {
    if (isWord('not')) {
      pos++;
      return { kind: 'not', operand: factor() };
    }
    if (peek()?.type === 'punct' && peek()!.text === '(') {
      pos++;
      const inner = expr();
      expectPunct(')');
      return inner;
    }
    return comparison();
  };
  const term = (): Condition => {
    let left = factor();
    while (isWord('and')) {
      pos++;
      left = { kind: 'and', left, right: factor() };
    }
    return left;
  };
  const expr = (): Condition => {
    let left = term();
    while (isWord('or')) {
      pos++;
      left = { kind: 'or', left, right: term() };
    }
    return left;
  };

  const result = expr();
  if (pos < tokens.length) throw new ConditionsSyntaxError(`unexpected '${tokens[pos]!.text}' after the conditions`);
  return result;
}

export function fieldValue(item: unknown, path: readonly string[]): unknown {
  let current: unknown = item;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    const entry = Object.entries(current as Record<string, unknown>).find(([key]) => key.toLowerCase() === part.toLowerCase());
    current = entry?.[1];
  }
  return current;
}

function normalise(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object' && value !== null && 'date' in value) return (value as { date: number }).date;
  if (typeof value === 'string') return value.toLowerCase();
  return value as number | boolean;
}

function compareValues(actual: unknown, op: string, expected: Value): boolean {
  const isDate = typeof expected === 'object' && expected !== null;
  const a = isDate && typeof actual === 'string' ? Date.parse(actual) : normalise(actual);
  const b = normalise(expected);
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case 'like': {
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      const pattern = b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*');
      return new RegExp(`^${pattern}$`, 's').test(a);
    }
    case 'contains':
      return typeof a === 'string' && typeof b === 'string' && a.includes(b);
    default: {
      if (a === null || b === null) return false;
      if (op === '<') return a < b;
      if (op === '<=') return a <= b;
      if (op === '>') return a > b;
      return a >= b;
    }
  }
}

export function evaluate(condition: Condition, item: unknown): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item) && evaluate(condition.right, item);
    case 'or':
      return evaluate(condition.left, item) || evaluate(condition.right, item);
    case 'not':
      return !evaluate(condition.operand, item);
    case 'compare':
      return compareValues(fieldValue(item, condition.field), condition.op, condition.value);
    case 'in': {
      const actual = normalise(fieldValue(item, condition.field));
      const found = condition.values.some((v) => normalise(v) === actual);
      return condition.negated ? !found : found;
    }
  }
}
