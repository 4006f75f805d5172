// A stand-in for @lightning/runtime's `executePlan`, loaded by pool children in tests that
// exercise the pool's own mechanics (limits, crashes, recycling, credentials) without depending
// on the compiler. Each job body is a plain script run in a fresh vm context with `state` and
// `credential(id)` in scope; its completion value (or awaited promise) is the next state.
// `host` gives job bodies the child's own powers, to test the process sandbox by itself, as if a
// job had escaped the vm context.
import fs from 'node:fs';
import vm from 'node:vm';

const host = {
  pid: () => process.pid,
  env: () => ({ ...process.env }),
  exit: (code) => process.exit(code),
  readFile: (file) => fs.readFileSync(file, 'utf8'),
  writeFile: (file, text) => fs.writeFileSync(file, text),
  spawn: async (command) => (await import('node:child_process')).execSync(command).toString(),
  thread: async () =>
    new (await import('node:worker_threads').then((m) => m.Worker))('0', { eval: true }),
  evaluate: (source) => new Function(source)(),
  throwLater: (message) =>
    setTimeout(() => {
      throw new Error(message);
    }, 1),
  leaveTimer: () => {
    setInterval(() => {}, 1000);
  },
  rejectLater: (message) => {
    Promise.reject(new Error(message));
  },
};

const ts = () => `${Date.now()}000`;

export async function executePlan(plan, input, options) {
  const emit = options.onEvent;
  emit({ type: 'run:start', versions: { node: process.version }, timestamp: ts() });
  let state = input;
  for (const job of plan.jobs) {
    const stepId = `${job.id}-step`;
    emit({ type: 'step:start', step_id: stepId, job_id: job.id, timestamp: ts() });
    const context = vm.createContext(
      {
        state,
        credential: (id) => options.loadCredential(id),
        adaptor: job.adaptor,
        host,
        log: (...message) =>
          emit({
            type: 'log',
            step_id: stepId,
            level: 'info',
            source: 'JOB',
            message,
            timestamp: ts(),
          }),
      },
      { codeGeneration: { strings: false, wasm: false } },
    );
    try {
      state = await new vm.Script(job.body).runInContext(context);
    } catch (error) {
      // A job may throw an error named ImportError to stand in for an adaptor that failed to load.
      const result =
        error?.name === 'ImportError'
          ? { reason: 'crash', error_type: 'ImportError', error_message: String(error) }
          : { reason: 'fail', error_type: 'JobError', error_message: String(error) };
      emit({
        type: 'step:complete',
        step_id: stepId,
        job_id: job.id,
        ...result,
        output_dataclip_id: `${stepId}-out`,
        mem: { job: 0, system: 0 },
        duration: 0,
        timestamp: ts(),
      });
      emit({ type: 'run:complete', ...result, timestamp: ts() });
      return result;
    }
    emit({
      type: 'step:complete',
      step_id: stepId,
      job_id: job.id,
      reason: 'success',
      error_type: null,
      error_message: null,
      output_dataclip_id: `${stepId}-out`,
      output_state: state,
      mem: { job: 0, system: 0 },
      duration: 0,
      timestamp: ts(),
    });
  }
  const result = { reason: 'success', error_type: null, error_message: null, final_state: state };
  emit({ type: 'run:complete', ...result, timestamp: ts() });
  return result;
}
