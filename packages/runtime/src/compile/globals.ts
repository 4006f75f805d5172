// Names a job may use without declaring that are never imported from the adaptor: the
// JavaScript and Node/Web globals, plus `state` (a legacy global OpenFn jobs still use).
// Written out rather than read from `globalThis`, so the result does not depend on the
// process the compiler happens to run in (a test runner adds `it`, `expect`, …).

const ECMASCRIPT = `
  globalThis undefined NaN Infinity arguments Object Function Array Number String Boolean
  Symbol BigInt Math JSON Date RegExp Error AggregateError EvalError RangeError ReferenceError
  SyntaxError TypeError URIError Promise Proxy Reflect Map Set WeakMap WeakSet WeakRef
  FinalizationRegistry ArrayBuffer SharedArrayBuffer DataView Atomics Int8Array Uint8Array
  Uint8ClampedArray Int16Array Uint16Array Int32Array Uint32Array Float32Array Float64Array
  BigInt64Array BigUint64Array Intl eval isFinite isNaN parseFloat parseInt decodeURI
  decodeURIComponent encodeURI encodeURIComponent escape unescape`;

const NODE_AND_WEB = `
  global process require module exports __dirname __filename Buffer console setTimeout
  clearTimeout setInterval clearInterval setImmediate clearImmediate queueMicrotask
  structuredClone atob btoa fetch URL URLSearchParams TextEncoder TextDecoder AbortController
  AbortSignal Blob FormData Headers Request Response crypto performance navigator Event
  EventTarget MessageChannel MessagePort BroadcastChannel WebAssembly`;

const OPENFN = 'state';

export const IGNORED_GLOBALS: ReadonlySet<string> = new Set(
  `${ECMASCRIPT} ${NODE_AND_WEB} ${OPENFN}`.split(/\s+/).filter(Boolean),
);
