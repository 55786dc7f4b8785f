// Small helpers of the cluster load generator (cluster-load.mjs).

/** Runs `make(i)` for i in [0, n) with at most `limit` promises in flight. */
export async function boundedAll(n, limit, make) {
  const results = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return results;
}

/** The p-th percentile (nearest rank) of an ascending array; NaN when it is empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
