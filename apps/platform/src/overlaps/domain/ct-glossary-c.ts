import type { GlossaryAddition } from './glossary-addition';

/** Vocabulary of the action streams (weapons and materials, prisons, violent extremism, protection): synonyms, acronyms and expansions, in the four languages. */
export const STREAM_VOCABULARY_C: readonly GlossaryAddition[] = [];
