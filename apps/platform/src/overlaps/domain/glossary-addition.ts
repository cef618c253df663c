/** Terms for a concept (a new one, or more terms for one of the base glossary's, ct-glossary.ts), and the broader concepts it implies. */
export interface GlossaryAddition {
  id: string;
  en?: string[];
  fr?: string[];
  es?: string[];
  ar?: string[];
  broader?: string[];
}
