// The state a step starts with (runtime.md "State"): the job's default state under its
// input, and the credential merged into `configuration`.
import type { State } from '../types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function assembleState(
  input: State,
  defaults: State | undefined,
  credential: State | undefined,
): State {
  const state: State = { ...defaults, ...input };
  state.configuration = {
    ...(isPlainObject(defaults?.configuration) ? defaults.configuration : {}),
    ...(isPlainObject(input.configuration) ? input.configuration : {}),
    ...credential,
  };
  // Object data is merged key by key; arrays and primitives from the input win whole.
  if (isPlainObject(defaults?.data) && isPlainObject(input.data)) {
    state.data = { ...defaults.data, ...input.data };
  } else if (input.data === undefined) {
    state.data = defaults?.data ?? {};
  }
  return state;
}

export function isStateObject(value: unknown): value is State {
  return isPlainObject(value);
}
