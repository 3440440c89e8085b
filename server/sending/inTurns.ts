/**
 * Runs `work` for each item, at most `atOnce` at a time (each worker takes the next item when its last one
 * is done); the answers in the items' order. For hand-overs to a provider that should not see a whole batch
 * of requests at once.
 */
export async function inTurns<I, T>(items: readonly I[], atOnce: number, work: (item: I) => Promise<T>): Promise<T[]> {
  const answers: T[] = new Array<T>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      answers[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  return answers;
}
