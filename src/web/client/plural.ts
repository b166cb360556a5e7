/** "1 order", "1,200 orders": a count and its noun (kept apart from format.ts so DOM-free modules can use it). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
