/** Small helpers that look inside zod 4 schemas, to list accepted keys and values for "did you mean". */
import type { ZodType } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, ZodType>;
  innerType?: ZodType;
  in?: ZodType;
  element?: ZodType;
  valueType?: ZodType;
  options?: ZodType[];
  getter?: () => ZodType;
}

function defOf(schema: ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips wrappers (optional, default, pipe, ...) down to the schema that shapes the value. */
export function unwrap(schema: ZodType): ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? def.getter?.() : undefined);
    if (!next) return current;
    current = next;
  }
  return current;
}

/** The schema at `path` inside `schema`, when it can be followed. */
export function schemaAt(schema: ZodType, path: readonly PropertyKey[]): ZodType | undefined {
  let current: ZodType | undefined = schema;
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(unwrap(current));
    if (def.type === 'object') current = def.shape?.[String(segment)];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return undefined;
  }
  return current;
}

/** The keys an object schema accepts (after unwrapping), or `[]`. */
export function objectKeys(schema: ZodType | undefined): string[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** `true` when `schema` (unwrapped) is a `z.object`. */
export function isObjectSchema(schema: ZodType): boolean {
  return defOf(unwrap(schema)).type === 'object';
}

/** The zod type name of `schema` after unwrapping (`number`, `boolean`, `string`, `object`, `union`, ...). */
export function typeOf(schema: ZodType): string {
  return defOf(unwrap(schema)).type;
}
