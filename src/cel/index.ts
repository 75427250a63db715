// CEL for the gateway: compile at config load, build only what is read, evaluate per request.
// See README.md in this folder for how to add variables and functions.
export { ActivationPlan } from './activation.js';
export { CelCompileError, compileCel, type CelProgram, type CompileOptions, type References } from './compile.js';
export { readsOfMissingData } from './missing-data.js';
export { fromCelValue, toCelValue } from './values.js';
export { VARIABLES, type CelDownstream, type CelRequest, type CelResponse } from './variables.js';

/**
 * Evaluates a condition the way agentgateway does: true only when the expression yields
 * `true`; an evaluation error or a non-bool result counts as not matching.
 */
export function holds(program: { evaluate(a: Record<string, unknown>): unknown }, activation: Record<string, unknown>): boolean {
  try {
    return program.evaluate(activation) === true;
  } catch {
    return false;
  }
}
