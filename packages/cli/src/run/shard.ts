/**
 * Picks shard `index` of `total` (1-based) from `items`, deterministically: items are sorted by `key` and dealt
 * round-robin, so every machine computes the same split and the shards together cover each item exactly once.
 */
export function selectShard<T>(items: readonly T[], shard: { index: number; total: number } | undefined, key: (item: T) => string): T[] {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (!shard) return sorted;
  return sorted.filter((_item, i) => i % shard.total === shard.index - 1);
}
