import { describe } from 'vitest';
import { forEachImplementation } from './implementations.js';
import { sseConformance } from './sse.case.js';

describe('SSE framer conformance', () => forEachImplementation(sseConformance));
