/**
 * A pure-JavaScript check that refuses regular expressions whose matching can take exponential time in a
 * backtracking engine such as JavaScript's (`(a+)+$` against `"aaaa…!"` never finishes). No native module and no
 * second regex engine: the pattern is parsed into a small tree and refused when it has
 *
 * - a repetition of varying count inside an unbounded repetition (star height above 1; more than 10 iterations
 *   count as unbounded): `(a+)+`, `(a*)*`, `(a{1,3})+`, `(\.\d+)*`, `(a+){1,100}`;
 * - an unbounded repetition of alternatives that can match the same text: `(a|a)*`, `(a|aa)+`, `(\w|\d)*`
 *   (literal alternatives are refused when one is a prefix of another; others when they can start with the
 *   same character);
 * - a backreference (`\1`, `\k<name>`): matching them is NP-hard;
 * - more than {@link MAX_REGEX_LENGTH} characters.
 *
 * The check is conservative: a few safe patterns are refused too (`(\.\d+)*` is one); rewrite them without the
 * nested repetition (`(\.[0-9])*` or a CEL expression). Polynomial patterns (`.*a.*b`) are accepted.
 */

/** The longest pattern accepted, in characters. */
export const MAX_REGEX_LENGTH = 1000;

type CharSet = 'any' | Set<string>;

type Node =
  | { kind: 'char'; set: CharSet }
  | { kind: 'empty' }
  | { kind: 'group'; alts: Node[][]; zeroWidth: boolean }
  | { kind: 'repeat'; node: Node; min: number; max: number };

class Unsafe extends Error {}

/** Parses enough of the JavaScript regex syntax to see repetitions, alternations and what a branch starts with. */
class Parser {
  private i = 0;
  constructor(private readonly src: string, private readonly ignoreCase: boolean) {}

  parse(): Node[][] {
    const alts = this.alternatives();
    if (this.i < this.src.length) throw new SyntaxError(`unmatched ")" at character ${this.i + 1}`);
    return alts;
  }

  private alternatives(): Node[][] {
    const alts: Node[][] = [[]];
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === ')') break;
      if (c === '|') {
        this.i++;
        alts.push([]);
        continue;
      }
      const atom = this.atom();
      alts[alts.length - 1]!.push(this.quantified(atom));
    }
    return alts;
  }

  private literal(c: string): Node {
    return { kind: 'char', set: new Set([this.ignoreCase ? c.toLowerCase() : c]) };
  }

  private atom(): Node {
    const c = this.src[this.i++]!;
    switch (c) {
      case '(': {
        const lookahead = this.src.startsWith('?=', this.i) || this.src.startsWith('?!', this.i);
        const lookbehind = this.src.startsWith('?<=', this.i) || this.src.startsWith('?<!', this.i);
        const zeroWidth = lookahead || lookbehind;
        if (this.src.startsWith('?:', this.i) || lookahead) this.i += 2;
        else if (lookbehind) this.i += 3;
        else if (this.src.startsWith('?<', this.i)) this.i = this.src.indexOf('>', this.i) + 1;
        const alts = this.alternatives();
        if (this.src[this.i] !== ')') throw new SyntaxError('missing ")"');
        this.i++;
        return { kind: 'group', alts, zeroWidth };
      }
      case '[':
        this.skipClass();
        return { kind: 'char', set: 'any' };
      case '.':
        return { kind: 'char', set: 'any' };
      case '^':
      case '$':
        return { kind: 'empty' };
      case '\\':
        return this.escape();
      default:
        return this.literal(c);
    }
  }

  private escape(): Node {
    const c = this.src[this.i++];
    if (c === undefined) throw new SyntaxError('\\ at end of pattern');
    if (/[1-9]/.test(c) || (c === 'k' && this.src[this.i] === '<')) {
      throw new Unsafe('backreferences (\\1, \\k<name>) are not accepted: matching them can take exponential time; match the text without them');
    }
    if (c === 'b' || c === 'B') return { kind: 'empty' };
    if ('dDwWsSpP'.includes(c)) {
      if ((c === 'p' || c === 'P') && this.src[this.i] === '{') this.i = this.src.indexOf('}', this.i) + 1;
      return { kind: 'char', set: 'any' };
    }
    if (c === 'u' || c === 'x' || c === 'c') {
      if (c === 'u' && this.src[this.i] === '{') this.i = this.src.indexOf('}', this.i) + 1;
      else this.i += c === 'u' ? 4 : c === 'x' ? 2 : 1;
      return { kind: 'char', set: 'any' };
    }
    return this.literal(c);
  }

  private skipClass(): void {
    if (this.src[this.i] === '^') this.i++;
    while (this.i < this.src.length && this.src[this.i] !== ']') this.i += this.src[this.i] === '\\' ? 2 : 1;
    if (this.src[this.i] !== ']') throw new SyntaxError('missing "]"');
    this.i++;
  }

  private quantified(atom: Node): Node {
    let node = atom;
    for (;;) {
      const c = this.src[this.i];
      let min: number;
      let max: number;
      if (c === '*' || c === '+' || c === '?') {
        min = c === '+' ? 1 : 0;
        max = c === '?' ? 1 : Infinity;
        this.i++;
      } else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (!m) return node; // a literal "{" outside unicode mode
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        this.i += m[0].length;
      } else return node;
      if (this.src[this.i] === '?') this.i++; // lazy: backtracks just as much
      node = { kind: 'repeat', node, min, max };
    }
  }
}

/** `true` when `node` contains a repetition whose count varies (`?`, `*`, `+`, `{1,3}`). */
function varies(node: Node): boolean {
  if (node.kind === 'repeat') return node.min !== node.max || varies(node.node);
  if (node.kind === 'group') return node.alts.some((alt) => alt.some(varies));
  return false;
}

function union(a: CharSet, b: CharSet): CharSet {
  if (a === 'any' || b === 'any') return 'any';
  return new Set([...a, ...b]);
}

/** The characters a sequence can start with; `nullable` when it can match the empty string. */
function first(seq: readonly Node[]): { set: CharSet; nullable: boolean } {
  let set: CharSet = new Set();
  for (const node of seq) {
    const f = firstOf(node);
    set = union(set, f.set);
    if (!f.nullable) return { set, nullable: false };
  }
  return { set, nullable: true };
}

function firstOf(node: Node): { set: CharSet; nullable: boolean } {
  switch (node.kind) {
    case 'char':
      return { set: node.set, nullable: false };
    case 'empty':
      return { set: new Set(), nullable: true };
    case 'repeat': {
      const f = firstOf(node.node);
      return { set: f.set, nullable: f.nullable || node.min === 0 };
    }
    case 'group': {
      if (node.zeroWidth) return { set: new Set(), nullable: true };
      let set: CharSet = new Set();
      let nullable = false;
      for (const alt of node.alts) {
        const f = first(alt);
        set = union(set, f.set);
        nullable ||= f.nullable;
      }
      return { set, nullable };
    }
  }
}

function overlaps(a: CharSet, b: CharSet): boolean {
  if (a === 'any') return b === 'any' || b.size > 0;
  if (b === 'any') return a.size > 0;
  for (const c of a) if (b.has(c)) return true;
  return false;
}

/** The text of an alternative made of single literal characters only, else `undefined`. */
function literalText(alt: readonly Node[]): string | undefined {
  let text = '';
  for (const node of alt) {
    if (node.kind !== 'char' || node.set === 'any' || node.set.size !== 1) return undefined;
    text += [...node.set][0];
  }
  return text;
}

/** Whether the alternatives of a repeated group can match the same text in more than one way. */
function ambiguousAlternatives(alts: readonly Node[][]): boolean {
  if (alts.length < 2) return false;
  const texts = alts.map(literalText);
  if (texts.every((t) => t !== undefined)) {
    const words = texts as string[];
    return words.some((a, i) => words.some((b, j) => i !== j && b.startsWith(a)));
  }
  const firsts = alts.map((alt) => first(alt));
  if (firsts.filter((f) => f.nullable).length > 0) return true;
  return firsts.some((a, i) => firsts.some((b, j) => i < j && overlaps(a.set, b.set)));
}

/** Repetitions of more than this many iterations count as unbounded (`(a+){1,1000}` is as slow as `(a+)+`). */
const STAR = 10;

function check(node: Node): void {
  if (node.kind === 'repeat') {
    const star = node.max > STAR;
    if (star && varies(node.node)) throw new Unsafe('a repetition inside an unbounded repetition (like (a+)+ or (a*)*) can take exponential time; rewrite it without the nested repetition');
    if (star && node.node.kind === 'group' && ambiguousAlternatives(node.node.alts)) {
      throw new Unsafe('an unbounded repetition of alternatives that can match the same text (like (a|a)* or (a|aa)+) can take exponential time; make the alternatives start differently');
    }
    check(node.node);
    return;
  }
  if (node.kind === 'group') for (const alt of node.alts) for (const n of alt) check(n);
}

/**
 * Why `pattern` is refused as a regular expression, or `undefined` when it is accepted: it must compile with
 * `new RegExp(pattern, flags)` and must not risk exponential backtracking (see the module comment).
 */
export function regexProblem(pattern: string, flags = ''): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) return `the regular expression has ${pattern.length} characters; at most ${MAX_REGEX_LENGTH} are accepted`;
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  try {
    const alts = new Parser(pattern, flags.includes('i')).parse();
    check({ kind: 'group', alts, zeroWidth: false });
  } catch (error) {
    if (error instanceof Unsafe) return `regular expression refused: ${error.message}`;
    // Syntax this parser does not follow, in a pattern JavaScript accepts: accept it as JavaScript does.
    return undefined;
  }
  return undefined;
}
