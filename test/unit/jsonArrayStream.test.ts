import { NotJsonArrayError, readJsonArray } from '../../src/util/jsonArrayStream.js';

/** What JSON.parse makes of the whole body, read as response.text() reads it (no byte-order mark): the reader must agree, element for element. */
function expected(text: string): unknown[] | 'not-json' | 'not-array' {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return 'not-json';
  }
  return Array.isArray(value) ? value : 'not-array';
}

async function read(chunks: Uint8Array[]): Promise<unknown[] | 'not-json' | 'not-array'> {
  const items: unknown[] = [];
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) yield chunk;
  }
  try {
    await readJsonArray(body(), (item) => items.push(item));
  } catch (error) {
    if (error instanceof NotJsonArrayError) return error.reason;
    throw error;
  }
  return items;
}

/** The body cut into two at every byte (multi-byte characters included), and into one-byte chunks. */
function splits(text: string): Uint8Array[][] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Uint8Array[][] = [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))];
  for (let cut = 1; cut < bytes.length; cut++) out.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  return out;
}

const VALID = [
  '[]',
  ' [ ] ',
  '[1]',
  '[1,2,3]',
  '[ 1 , -2.5e3 , true , false , null ]',
  '["a,b", "c]d", "e}f", "{[", "\\"", "\\\\", "\\\\\\"]", "x\\\\"]',
  '[{"customerCode":"A\\"]1","rows":[1,[2,{"x":"]"}]],"n":{}},{"b":"é€😀"}]',
  '\n[\n  {"a": 1},\n  {"a": "\\u005d"}\n]\n',
  '[[],{},[[]],""]',
  '\uFEFF[1]',
];

const INVALID = [
  '',
  '   ',
  '[',
  '[1,]',
  '[,1]',
  '[1,,2]',
  '[1 2]',
  '[1]]',
  '[1] x',
  '[1][2]',
  '[{"a":1}',
  '[{"a":"b]',
  '[{"a":1}}]',
  '[01]',
  "['a']",
  '<html>',
  '\uFEFF[1',
  '{"a":1}',
  '"text"',
  '42',
  'null',
  '{"error": "maintenance"} trailing',
];

describe('reading a JSON array as it arrives', () => {
  it.each(VALID)('hands over the same elements as JSON.parse, however the body is cut: %s', async (text) => {
    const want = expected(text);
    expect(Array.isArray(want)).toBe(true);
    for (const chunks of splits(text)) expect(await read(chunks)).toEqual(want);
  });

  it.each(INVALID)('refuses what JSON.parse refuses, and tells JSON of another shape from no JSON: %j', async (text) => {
    const want = expected(text);
    expect(Array.isArray(want)).toBe(false);
    for (const chunks of splits(text)) expect(await read(chunks)).toBe(want);
  });

  it('a byte that is not UTF-8 becomes U+FFFD, as response.text() would make it', async () => {
    expect(await read([Uint8Array.of(0x5b, 0x22, 0x41, 0xff, 0x22, 0x5d)])).toEqual(['A\uFFFD']);
  });

  it('hands each element over before the rest has arrived', async () => {
    const seen: unknown[] = [];
    let seenWhenSecondChunkAsked: unknown[] = [];
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('[{"a":1},{"a":2},');
      seenWhenSecondChunkAsked = [...seen];
      yield Buffer.from('{"a":3}]');
    }
    await readJsonArray(body(), (item) => seen.push(item));
    expect(seenWhenSecondChunkAsked).toEqual([{ a: 1 }, { a: 2 }]);
    expect(seen).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it('a connection that fails mid-body is the caller’s error, not a verdict on the JSON', async () => {
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('[1,');
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    await expect(readJsonArray(body(), () => undefined)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
