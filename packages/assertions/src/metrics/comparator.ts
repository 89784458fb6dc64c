/**
 * Comparators for metric values, written the way people say them:
 * `value: "< 250ms"`, `value: ">= 1"`, `value: "between 0 and 5"`, `value: "<= baseline * 1.5"`,
 * or as a mapping: `value: { "<": 0.25 }`, `value: { between: [0, 5] }`.
 * Durations are converted to seconds (Prometheus' base unit: `250ms` is `0.25`); `50%` is `0.5`.
 */
import { z } from '@tester/core';

/** A comparator operator. */
export type Op = '<' | '<=' | '==' | '!=' | '>=' | '>' | 'between';

/** A number, or the baseline (the value before the fault) scaled: `baseline * 1.5`, `baseline + 10`. */
export type Operand = { kind: 'number'; value: number; text: string } | { kind: 'baseline'; mul: number; add: number; text: string };

/** A parsed comparator: `value: "< 250ms"` is `{ op: "<", operands: [0.25] }`. */
export interface Comparator {
  op: Op;
  operands: Operand[];
  /** As written, normalised: `< 250ms`, `between 0 and 5`. */
  text: string;
  usesBaseline: boolean;
}

const UNIT: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, '%': 0.01 };
const NUMBER = /^([+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?)\s*(ms|s|m|h|%)?$/i;
const BASELINE = /^baseline(?:\s*([*+-])\s*([+-]?(?:\d+(?:\.\d+)?|\.\d+)))?$/;

function operand(input: number | string): Operand | string {
  if (typeof input === 'number') return Number.isFinite(input) ? { kind: 'number', value: input, text: String(input) } : `${input} is not a finite number`;
  const text = input.trim();
  const n = NUMBER.exec(text);
  if (n) return { kind: 'number', value: Number(n[1]) * (n[2] ? (UNIT[n[2].toLowerCase()] as number) : 1), text };
  const b = BASELINE.exec(text);
  if (b) {
    const k = Number(b[2] ?? 0);
    const sign = b[1];
    return { kind: 'baseline', mul: sign === '*' ? k : 1, add: sign === '+' ? k : sign === '-' ? -k : 0, text };
  }
  return `${JSON.stringify(text)} is not a number (250, 0.25, 250ms, 50%) or baseline (baseline * 1.5)`;
}

const OPS = ['<=', '>=', '==', '!=', '<', '>'] as const;
const HINT = 'write e.g. "< 250ms", ">= 1", "between 0 and 5", "<= baseline * 1.5", or { "<": 0.25 }, { between: [0, 5] }';

function build(op: Op, raw: (number | string)[]): Comparator | string {
  const operands: Operand[] = [];
  for (const r of raw) {
    const o = operand(r);
    if (typeof o === 'string') return o;
    operands.push(o);
  }
  const text = op === 'between' ? `between ${operands[0]?.text} and ${operands[1]?.text}` : `${op} ${operands[0]?.text}`;
  return { op, operands, text, usesBaseline: operands.some((o) => o.kind === 'baseline') };
}

/** Parses a comparator, or returns what is wrong with it. */
export function parseComparator(input: unknown): Comparator | string {
  if (typeof input === 'string') {
    const s = input.trim();
    const between = /^between\s+(.+?)\s+and\s+(.+)$/i.exec(s);
    if (between) return build('between', [between[1] as string, between[2] as string]);
    const op = OPS.find((o) => s.startsWith(o));
    if (!op) return `${JSON.stringify(input)} has no comparator: ${HINT}`;
    return build(op, [s.slice(op.length)]);
  }
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const entries = Object.entries(input);
    if (entries.length !== 1) return `expected exactly one comparator, got ${entries.length}: ${HINT}`;
    const [key, value] = entries[0] as [string, unknown];
    if (key === 'between') {
      if (!Array.isArray(value) || value.length !== 2 || value.some((v) => typeof v !== 'number' && typeof v !== 'string'))
        return 'between takes two bounds: { between: [low, high] }';
      return build('between', value as (number | string)[]);
    }
    if (!(OPS as readonly string[]).includes(key)) return `unknown comparator ${JSON.stringify(key)}: expected one of ${OPS.join(' ')} between`;
    if (typeof value !== 'number' && typeof value !== 'string') return `${key} takes a number or a string such as "250ms"`;
    return build(key as Op, [value]);
  }
  return `expected a comparator: ${HINT}`;
}

/** zod: a comparator in either form. */
export const comparatorSchema = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((input, ctx) => {
  const c = parseComparator(input);
  if (typeof c === 'string') {
    ctx.addIssue({ code: 'custom', message: c });
    return z.NEVER;
  }
  return c;
});

const resolve = (o: Operand, baseline: number | undefined) => (o.kind === 'number' ? o.value : (baseline as number) * o.mul + o.add);

/** Compares; `bound` says what the operands resolved to (`< 0.25`, `<= 0.3 (baseline 0.2 * 1.5)`). */
export function compare(c: Comparator, value: number, baseline?: number): { ok: boolean; bound: string } {
  const [a, b] = c.operands.map((o) => resolve(o, baseline)) as [number, number];
  const show = (o: Operand, v: number) => (o.kind === 'baseline' ? `${fmt(v)} (${o.text}, baseline ${fmt(baseline as number)})` : o.text);
  const bound = c.op === 'between' ? `between ${show(c.operands[0]!, a)} and ${show(c.operands[1]!, b)}` : `${c.op} ${show(c.operands[0]!, a)}`;
  const ok =
    c.op === '<' ? value < a
    : c.op === '<=' ? value <= a
    : c.op === '==' ? value === a
    : c.op === '!=' ? value !== a
    : c.op === '>=' ? value >= a
    : c.op === '>' ? value > a
    : value >= Math.min(a, b) && value <= Math.max(a, b);
  return { ok, bound };
}

/** Short number for messages. */
export const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));
