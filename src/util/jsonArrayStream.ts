/** Why a body could not be read as a JSON array: it is not JSON at all, or it is JSON of another shape. */
export class NotJsonArrayError extends Error {
  constructor(readonly reason: 'not-json' | 'not-array') {
    super(reason === 'not-json' ? 'the response is not valid JSON' : 'expected a JSON array');
    this.name = 'NotJsonArrayError';
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const STRING_STOP = /["\\]/g;

/**
 * Reads a JSON array from a byte stream, handing each element to `onItem` as soon as it is complete.
 * A month of Atria rows is never held as one text nor as one parsed array: each element is parsed on
 * its own (JSON.parse, so each is exactly as strict as the whole would be) and the caller keeps only
 * what it maps it to. The separators between elements are checked here, so a body JSON.parse would
 * refuse is refused (NotJsonArrayError 'not-json'); a body that is JSON but no array is 'not-array'.
 */
export async function readJsonArray(chunks: AsyncIterable<Uint8Array>, onItem: (item: unknown) => void): Promise<void> {
  // As response.text() decodes: a byte-order mark is dropped, a byte that is not UTF-8 becomes U+FFFD.
  const decoder = new TextDecoder('utf-8');
  const scanner = new ArrayScanner(onItem);
  for await (const chunk of chunks) scanner.push(decoder.decode(chunk, { stream: true }));
  scanner.push(decoder.decode());
  scanner.end();
}

type State = 'before-array' | 'before-item' | 'item' | 'after-array' | 'not-array';

/** The scan of one body: where it is in the array, and the text of the element it is inside. */
class ArrayScanner {
  private state: State = 'before-array';
  private item = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Everything, when the body turns out not to be an array: JSON.parse then says whether it is JSON at all. */
  private whole = '';
  private sawItem = false;

  constructor(private readonly onItem: (item: unknown) => void) {}

  push(text: string): void {
    if (this.state === 'not-array') {
      this.whole += text;
      return;
    }
    let start = -1; // where the element being read begins in this text
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (this.state === 'item') {
        if (this.inString) {
          if (this.escaped) {
            this.escaped = false;
            continue;
          }
          // Inside a string only a quote or a backslash matters: jump to the next one.
          STRING_STOP.lastIndex = i;
          const stop = STRING_STOP.exec(text);
          if (!stop) {
            i = text.length;
            continue;
          }
          i = stop.index;
          if (text[i] === '\\') this.escaped = true;
          else this.inString = false;
          continue;
        }
        if (ch === '"') this.inString = true;
        else if (ch === '{' || ch === '[') this.depth++;
        else if (ch === '}' || ch === ']') {
          if (this.depth === 0) {
            // The array's own closing bracket ends a scalar element.
            this.finishItem(text, start, i);
            start = -1;
            this.state = 'after-array';
            continue;
          }
          this.depth--;
        } else if (ch === ',' && this.depth === 0) {
          this.finishItem(text, start, i);
          start = -1;
          this.state = 'before-item';
        }
        continue;
      }
      if (WHITESPACE.has(ch)) continue;
      switch (this.state) {
        case 'before-array':
          if (ch !== '[') {
            this.state = 'not-array';
            this.whole = text.slice(i);
            return;
          }
          this.state = 'before-item';
          break;
        case 'before-item':
          if (ch === ']' && !this.sawItem) {
            this.state = 'after-array';
            break;
          }
          // A comma where an element belongs ([,1] or [1,,2]), or a trailing one ([1,]).
          if (ch === ']' || ch === ',') throw new NotJsonArrayError('not-json');
          this.state = 'item';
          this.sawItem = true;
          this.depth = 0;
          start = i;
          i--; // the element's first character is read again as part of it
          break;
        case 'after-array':
          throw new NotJsonArrayError('not-json');
      }
    }
    // An element still open at the end of this text: keep its part for the next.
    if (this.state === 'item') this.item += text.slice(Math.max(start, 0));
  }

  /** An element ends at `end` (a comma or the closing bracket); objects and arrays end at their own bracket. */
  private finishItem(text: string, start: number, end: number): void {
    const itemText = this.item + text.slice(Math.max(start, 0), end);
    this.item = '';
    let value: unknown;
    try {
      value = JSON.parse(itemText);
    } catch {
      throw new NotJsonArrayError('not-json');
    }
    this.onItem(value);
  }

  end(): void {
    if (this.state === 'after-array') return;
    if (this.state === 'not-array') {
      try {
        JSON.parse(this.whole);
      } catch {
        throw new NotJsonArrayError('not-json');
      }
      throw new NotJsonArrayError('not-array');
    }
    throw new NotJsonArrayError('not-json');
  }
}
