// KAFKA_ALTERNATE_STORAGE_ENABLED: a message that could not be stored in the database is written,
// unencrypted and as received (headers and data), to
// `<KAFKA_ALTERNATE_STORAGE_PATH>/<workflow id>/<trigger id>_<topic>_<partition>_<offset>.json`,
// and only then is its offset committed. `lightning kafka-recover` turns such files into work
// orders later (recover.ts).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageTarget, ReceivedMessage } from './persist.js';
import { messageMetadata } from './persist.js';

export interface StoredMessageFile {
  trigger_id: string;
  workflow_id: string;
  project_id: string;
  /** The message value as received (text), whether or not it is valid JSON. */
  data: string | null;
  metadata: ReturnType<typeof messageMetadata>;
}

export function alternateFileName(target: MessageTarget, message: ReceivedMessage): string {
  // Topic names are [A-Za-z0-9._-]: safe in a file name as they are.
  return `${target.triggerId}_${message.topic}_${message.partition}_${message.offset}.json`;
}

/** Writes the message's file (atomically: a temporary name, then renamed); returns its path. */
export async function writeAlternateFile(
  root: string,
  target: MessageTarget,
  message: ReceivedMessage,
): Promise<string> {
  const dir = join(root, target.workflowId);
  await mkdir(dir, { recursive: true });
  const path = join(dir, alternateFileName(target, message));
  const content: StoredMessageFile = {
    trigger_id: target.triggerId,
    workflow_id: target.workflowId,
    project_id: target.projectId,
    data: message.value === null ? null : message.value.toString('utf8'),
    metadata: messageMetadata(message),
  };
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content)}\n`, { mode: 0o600 });
  await rename(temporary, path);
  return path;
}
