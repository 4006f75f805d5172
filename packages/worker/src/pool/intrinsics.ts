// A cheap integrity check of the host realm's shared intrinsics. Job code runs in a fresh vm
// context per step, but adaptor functions belong to the child's own realm: a job that reaches
// `Object.prototype` or `Function.prototype` through them (say `fn.constructor.prototype.x = 1`)
// would change what the next run in the same child sees. `--frozen-intrinsics` already makes such
// writes fail; this check also covers the global object and any child started without that flag,
// and makes the pool retire the child instead of trusting it.

const watched: [string, unknown][] = [
  ['globalThis', globalThis],
  ['Object', Object],
  ['Object.prototype', Object.prototype],
  ['Function', Function],
  ['Function.prototype', Function.prototype],
  ['Array', Array],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Symbol', Symbol],
  ['Symbol.prototype', Symbol.prototype],
  ['Promise', Promise],
  ['Promise.prototype', Promise.prototype],
  ['RegExp', RegExp],
  ['RegExp.prototype', RegExp.prototype],
  ['Date.prototype', Date.prototype],
  ['Error', Error],
  ['Error.prototype', Error.prototype],
  ['TypeError.prototype', TypeError.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['WeakMap.prototype', WeakMap.prototype],
  ['JSON', JSON],
  ['Math', Math],
  ['Reflect', Reflect],
  ['Uint8Array.prototype', Uint8Array.prototype],
  ['ArrayBuffer.prototype', ArrayBuffer.prototype],
  // Host objects the runtime hands to every job context.
  ['Buffer', Buffer],
  ['Buffer.prototype', Buffer.prototype],
  ['URL', URL],
  ['URL.prototype', URL.prototype],
  ['URLSearchParams.prototype', URLSearchParams.prototype],
  ['TextEncoder.prototype', TextEncoder.prototype],
  ['TextDecoder.prototype', TextDecoder.prototype],
  ['atob', atob],
  ['btoa', btoa],
];

/** Own keys, in order, and what each holds: a value, or a getter/setter pair. */
interface Fingerprint {
  keys: PropertyKey[];
  values: unknown[];
}

class Accessor {
  constructor(
    readonly get: unknown,
    readonly set: unknown,
  ) {}
}

function holding(descriptor: PropertyDescriptor | undefined): unknown {
  if (!descriptor) return undefined;
  return 'value' in descriptor ? descriptor.value : new Accessor(descriptor.get, descriptor.set);
}

function fingerprint(target: object): Fingerprint {
  const keys = Reflect.ownKeys(target);
  return {
    keys,
    values: keys.map((key) => holding(Reflect.getOwnPropertyDescriptor(target, key))),
  };
}

/**
 * Compared in place, without building a second fingerprint: this runs after every run. Key order
 * is stable unless a key was deleted and added again, which counts as a change (safe side).
 */
function isUnchanged(target: object, before: Fingerprint): boolean {
  const keys = Reflect.ownKeys(target);
  if (keys.length !== before.keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== before.keys[i]) return false;
    const descriptor = Reflect.getOwnPropertyDescriptor(target, keys[i]!);
    if (!descriptor) return false;
    const was = before.values[i];
    if ('value' in descriptor) {
      if (was instanceof Accessor || !Object.is(was, descriptor.value)) return false;
    } else if (
      !(was instanceof Accessor) ||
      was.get !== descriptor.get ||
      was.set !== descriptor.set
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Node defines some globals (`crypto`, `navigator`, ...) as getters that replace themselves on
 * first use; read them all once so that a later first use is not mistaken for tampering.
 */
function settleLazyGlobals(): void {
  for (const key of Reflect.ownKeys(globalThis)) {
    try {
      Reflect.get(globalThis, key);
    } catch {
      // A throwing getter stays a getter, which the fingerprint records as it is.
    }
  }
}

/**
 * Take a fingerprint of the host intrinsics now; the returned function tells whether they are
 * still the same. Values of data properties on `globalThis` that the runtime itself rewrites
 * (none today) would need excluding here.
 */
export function snapshotIntrinsics(extra: [string, object][] = []): () => boolean {
  settleLazyGlobals();
  // A frozen object cannot change (or be unfrozen): under `--frozen-intrinsics` that is most of
  // the list, and skipping them keeps the per-run check cheap.
  const targets = [...watched, ...extra]
    .map(([, target]) => target as object)
    .filter((target) => !Object.isFrozen(target));
  const before = targets.map((target) => fingerprint(target));
  const prototypes = targets.map((target) => Reflect.getPrototypeOf(target));
  return () =>
    targets.every(
      (target, i) =>
        Reflect.getPrototypeOf(target) === prototypes[i] && isUnchanged(target, before[i]!),
    );
}
