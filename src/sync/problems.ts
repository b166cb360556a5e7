/** A problem with one input field, phrased so that the person who typed it knows what to change. */
export interface FieldProblem {
  field: string;
  message: string;
}
