/**
 * A JSON reader that also takes trailing commas (the vendor's own example has one) and reports
 * any other syntax error with its line and column, which JSON.parse on Node 20 does not always give.
 */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
  }
}

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
  return new Reader(text.replace(/^\uFEFF/, '')).document();
}

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  document(): unknown {
    this.space();
    const value = this.value();
    this.space();
    if (this.pos < this.text.length) this.fail(`Unexpected ${this.describe()} after the JSON value`);
    return value;
  }

  private value(): unknown {
    const ch = this.text[this.pos];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail(`Unexpected ${this.describe()}; expected a value`);
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++;
    this.space();
    while (this.text[this.pos] !== '}') {
      if (this.text[this.pos] !== '"') this.fail(`Unexpected ${this.describe()}; expected a property name in double quotes`);
      const key = this.string();
      this.space();
      this.expect(':');
      this.space();
      Object.defineProperty(result, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.space();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.space();
      } else if (this.text[this.pos] !== '}') this.fail(`Unexpected ${this.describe()}; expected ',' or '}'`);
    }
    this.pos++;
    return result;
  }

  private array(): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    this.space();
    while (this.text[this.pos] !== ']') {
      result.push(this.value());
      this.space();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.space();
      } else if (this.text[this.pos] !== ']') this.fail(`Unexpected ${this.describe()}; expected ',' or ']'`);
    }
    this.pos++;
    return result;
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === '"') {
        this.pos++;
        return JSON.parse(this.text.slice(start, this.pos)) as string;
      }
      if (ch === '\\') this.pos += 2;
      else if (ch < ' ') this.fail('Unescaped control character in a string');
      else this.pos++;
    }
    this.pos = start;
    return this.fail('Unterminated string');
  }

  private number(): number {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) this.fail(`Unexpected ${this.describe()}; expected a number`);
    this.pos += match![0].length;
    return Number(match![0]);
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) this.fail(`Unexpected ${this.describe()}; expected '${ch}'`);
    this.pos++;
  }

  private space(): void {
    while (/[ \t\r\n]/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private describe(): string {
    return this.pos >= this.text.length ? 'end of input' : `character '${this.text[this.pos]}'`;
  }

  private fail(reason: string): never {
    const before = this.text.slice(0, this.pos).split('\n');
    throw new JsonSyntaxError(reason, before.length, before[before.length - 1].length + 1);
  }
}
