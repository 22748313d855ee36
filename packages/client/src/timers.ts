/** `setTimeout` that doesn't keep a Node process alive (browsers have no `unref`). */
export function later(task: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(task, ms);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
