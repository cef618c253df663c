import type { GlossaryAddition } from './glossary-addition';

/** Vocabulary of the action streams (identification and travel): synonyms, acronyms and expansions, in the four languages. */
export const STREAM_VOCABULARY_A: readonly GlossaryAddition[] = [];
