/**
 * Retries a whole transaction when PostgreSQL aborts it for a deadlock (40P01) or a serialization
 * failure (40001). Writers of one school meet on its audit chain head and on shared rows (a launch
 * and a roster sync creating the same person), so an occasional deadlock is expected; the loser's
 * work is rolled back entirely, which makes running it again safe.
 */
const RETRYABLE = new Set(['40P01', '40001']);

export async function retryTransaction<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string })?.code;
      if (!code || !RETRYABLE.has(code) || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20) * i));
    }
  }
}
