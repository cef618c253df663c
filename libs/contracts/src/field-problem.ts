/** One bad field: where it is (`title.lang`), which rule it broke (`isIn`) and a sentence for a person. */
export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
}
