/** The one place core parses YAML source into a document with positions. */
import { type Document, LineCounter, parseDocument } from 'yaml';

/** What every scenario parse asks of `yaml`: no prettified messages (the loader words its own), duplicate keys refused. */
const OPTIONS = { prettyErrors: false, uniqueKeys: true } as const;

// A stand-in environment for the length of one synchronous parse (see parseYaml).
const NO_ENVIRONMENT: NodeJS.ProcessEnv = Object.freeze(Object.create(null) as NodeJS.ProcessEnv);

/**
 * `parseDocument(source)` with a {@link LineCounter}, as the loader needs it. `yaml` 2.x reads
 * `process.env.LOG_TOKENS` once per token it parses (a debugging switch), and each read of `process.env` is a
 * call into the C++ environment: about a third of the time spent parsing a scenario. The parse is synchronous, so
 * `process.env` is swapped for an empty object for its length and put back before anything else can run; what is
 * lost is only `yaml`'s own token log.
 *
 * @throws RangeError when the document nests deeper than the parser's recursion allows (the caller bounds depth
 *   before, see `deepNestingOffset`).
 */
export function parseYaml(source: string): { document: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const environment = process.env;
  process.env = NO_ENVIRONMENT;
  try {
    return { document: parseDocument(source, { ...OPTIONS, lineCounter }), lineCounter };
  } finally {
    process.env = environment;
  }
}
