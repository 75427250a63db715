// Imported first by main.ts, so it runs before any other module. Regexes the config does not
// write (the gateway's own, the libraries', CEL's `matches`) run on V8's backtracking engine;
// with this flag V8 re-runs a match on its linear-time engine once it has backtracked 50,000
// times, so one of those cannot freeze the event loop either, as long as the pattern is one
// the linear engine takes (no lookaround, backreferences or counted repetition above 16).
// Config-written patterns do not depend on it: they run on RE2 (config/linear-regex.ts).
//
// V8 flags are process-wide: worker threads started later (the password pool, the per-core
// servers) inherit it. Measured: `/(a+)+$/` against 28 characters, 1.1 ms with the flag
// (seconds without), on the main thread and in a worker alike.
import { setFlagsFromString } from 'node:v8';
import { heapAtStart } from './v8-heap.js';

export const V8_FLAGS = '--enable-experimental-regexp-engine-on-excessive-backtracks';

setFlagsFromString(V8_FLAGS);
// Heap sizing (v8-heap.ts): before the other modules run, so that their start does not grow it.
heapAtStart();
