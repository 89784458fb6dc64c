/** Maps a field path of a parsed YAML document back to a line and column. */
import { type Document, type LineCounter, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

/** A 1-based position. */
export interface Position {
  line: number;
  column: number;
}

/** Where the values of a parsed scenario are: what the loader asks of a parse. */
export interface Positions {
  /** Position of the value at `path` (or with `key: true` its key), else of the deepest value that exists. */
  find(path: readonly PropertyKey[], options?: { key?: boolean }): Position;
  /** `true` when the scalar at `path` is quoted. */
  isQuoted(path: readonly PropertyKey[]): boolean;
}

/** Finds positions of field paths in one YAML document. */
export class PositionFinder implements Positions {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Position of an absolute offset in the source. */
  at(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Position of the node at `path`: its value, or with `key: true` the key of its last segment. When the path
   * does not exist (a missing key), the position of the deepest node that does.
   */
  find(path: readonly PropertyKey[], options: { key?: boolean } = {}): Position {
    let node: Node | null | undefined = this.document.contents as Node | null;
    let fallback = 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (node?.range) fallback = node.range[0];
      if (typeof segment === 'number' && isMap(node)) {
        // A single mapping given where a list is accepted (`events: { type: X }`) is a list of one.
        if (segment === 0) continue;
        return this.at(fallback);
      }
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return this.at(fallback);
        const keyNode = pair.key as Node;
        if (last && options.key && keyNode.range) return this.at(keyNode.range[0]);
        if (!pair.value) return this.at(keyNode.range?.[0] ?? fallback);
        node = pair.value as Node;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined;
        if (!item) return this.at(fallback);
        node = item;
      } else {
        return this.at(fallback);
      }
    }
    return this.at(node?.range?.[0] ?? fallback);
  }

  /** `true` when the scalar at `path` is quoted (its text starts one column after its position). */
  isQuoted(path: readonly PropertyKey[]): boolean {
    let node: unknown = this.document.getIn(path as PropertyKey[], true);
    if (isPair(node)) node = node.value;
    return isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
  }
}
