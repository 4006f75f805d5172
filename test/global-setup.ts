// Runs once before any test file. Test files run in parallel and several start real workers over
// the shared adaptors cache (.cache/adaptors); an `npm install` there by one file while another
// file's worker imports an adaptor can make that import fail. Installing every adaptor version the
// tests use up front leaves nothing to install while they run. It also builds the packages the
// worker's child processes load, once, instead of in whichever test file gets there first.
import { installAdaptor } from '../packages/runtime/src/adaptors/install-adaptor.js';
import { ADAPTORS_DIR, COMMON, HTTP } from '../packages/runtime/src/test-support/adaptors.js';
import { setup as buildWorkerPackages } from '../packages/worker/src/test-support/build-packages.js';

/** Versions named by tests, besides COMMON and HTTP (`latest` as the tests resolve it). */
const ALSO_USED = ['@openfn/language-common@latest'];

export async function setup(): Promise<void> {
  await buildWorkerPackages();
  for (const spec of [COMMON, HTTP, ...ALSO_USED]) {
    await installAdaptor(spec, { adaptorsDir: ADAPTORS_DIR });
  }
}
