/**
 * Adds a parameter to a statement and answers its placeholder ($1, $2, …). A statement built from parts (each part
 * a function of the builder) numbers every part's parameters in order, so parts compose without renumbering.
 */
export type Param = (value: unknown) => string;

export function statementParams(): { $: Param; values: unknown[] } {
  const values: unknown[] = [];
  return { $: (value) => `$${values.push(value)}`, values };
}
