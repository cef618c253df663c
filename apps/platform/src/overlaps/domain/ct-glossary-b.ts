import type { GlossaryAddition } from './glossary-addition';

/** Vocabulary of the action streams (online and financing): synonyms, acronyms and expansions, in the four languages. */
export const STREAM_VOCABULARY_B: readonly GlossaryAddition[] = [];
