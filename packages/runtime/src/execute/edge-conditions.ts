// Edge conditions (runtime.md "Workflows"). A JavaScript expression is compiled once, in a
// context of its own that holds nothing but `state` (no console, no timers, no string code
// generation), and sees a copy of the upstream step's output, so it cannot change it.
import vm from 'node:vm';
import { RuntimeCrash } from '../errors.js';
import type { State } from '../types.js';
import { errorMessage } from './classify-error.js';

export type EdgeTest = (state: State, upstreamJobId: string | undefined) => boolean;

const CONDITION_TIMEOUT_MS = 1000;

function hasError(state: State, jobId: string | undefined): boolean {
  const errors = state.errors as Record<string, unknown> | undefined;
  return Boolean(jobId && errors && typeof errors === 'object' && errors[jobId]);
}

export function compileEdgeCondition(
  condition: string | null | undefined,
  label: string,
): EdgeTest {
  const expression = condition?.trim();
  if (!expression || expression === 'always') return () => true;
  if (expression === 'on_job_success') return (state, jobId) => !hasError(state, jobId);
  if (expression === 'on_job_failure') return (state, jobId) => hasError(state, jobId);

  let script: vm.Script;
  try {
    // Newlines keep a trailing `// comment` from swallowing the closing parenthesis.
    script = new vm.Script(`(\n${expression.replace(/;+\s*$/, '')}\n)`, {
      filename: `edge ${label}`,
    });
  } catch (error) {
    throw new RuntimeCrash(
      'EdgeConditionError',
      `the condition of edge ${label} is not a valid expression: ${errorMessage(error)}`,
    );
  }
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
  return (state) => {
    context.state = state;
    try {
      return Boolean(script.runInContext(context, { timeout: CONDITION_TIMEOUT_MS }));
    } catch (error) {
      throw new RuntimeCrash(
        'EdgeConditionError',
        `the condition of edge ${label} threw: ${errorMessage(error)}`,
      );
    } finally {
      context.state = undefined;
    }
  };
}
