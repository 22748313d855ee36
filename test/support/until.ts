/**
 * Polls `check` every 50 ms until it holds — for state another process, socket or browser reaches on its
 * own time — and fails naming `what` after 300 tries. A bounded wait for an outcome, never a timing claim.
 */
export async function until(check: () => boolean | Promise<boolean>, what = 'the expected state'): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never reached: ${what}`);
}
