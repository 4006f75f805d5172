// Kafka triggers in the model: Lightning's kafka_configuration shape through the API, snapshots and
// provisioning; the SASL secrets only ever stored as vault ciphertext and never shown; clear 4xx for
// bad settings; and with KAFKA_TRIGGERS_ENABLED off, existing kafka triggers readable but frozen.
import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createVault, rotateEncryptionKey } from '../vault/index.js';
import { updateWorkflow } from './workflows.js';

let server: TestServer;
let user: TestUser;
let projectId: string;

beforeAll(async () => {
  server = await startTestServer({ KAFKA_TRIGGERS_ENABLED: 'yes' });
  user = await createTestUser(server.testDatabase.db);
  projectId = randomUUID();
  expect(
    (await call('POST', '/api/provision', { id: projectId, name: 'kafka-model' })).status,
  ).toBe(201);
});
afterAll(async () => {
  await server?.close();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers:
      body === undefined ? user.headers : { ...user.headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return { status: response.status, body: text && json ? JSON.parse(text) : undefined, text };
}

function kafkaWorkflow(name: string, config: Record<string, unknown>) {
  const trigger = randomUUID();
  const job = randomUUID();
  return {
    ids: { trigger, job },
    body: {
      name,
      jobs: [{ id: job, name: 'take', body: 'fn(s => s)' }],
      triggers: [{ id: trigger, type: 'kafka', enabled: true, kafka_configuration: config }],
      edges: [{ source_trigger_id: trigger, target_job_id: job, condition_type: 'always' }],
    },
  };
}

const secretColumns = (triggerId: string) =>
  server.testDatabase.db
    .select({ username: schema.triggers.kafkaUsername, password: schema.triggers.kafkaPassword })
    .from(schema.triggers)
    .where(eq(schema.triggers.id, triggerId))
    .then((rows) => rows[0]!);

describe('kafka triggers', () => {
  it('stores Lightning’s kafka_configuration, with the SASL secrets only in the vault', async () => {
    const { ids, body } = kafkaWorkflow('sasl', {
      hosts: 'broker-1:9092, broker-2:9093',
      topics: ['orders', 'refunds'],
      initial_offset_reset_policy: 'earliest',
      sasl: 'scram_sha_256',
      ssl: true,
      username: 'svc-user',
      password: 'hunter2-very-secret',
      connect_timeout: 15,
    });
    const created = await call('POST', `/api/projects/${projectId}/workflows`, body);
    expect(created.status).toBe(201);
    const config = created.body.data.triggers[0].kafka_configuration;
    expect(config).toEqual({
      hosts: [
        ['broker-1', '9092'],
        ['broker-2', '9093'],
      ],
      topics: ['orders', 'refunds'],
      group_id: `lightning-${ids.trigger}`,
      initial_offset_reset_policy: 'earliest',
      connect_timeout: 15,
      sasl: 'scram_sha_256',
      ssl: true,
      username: null,
      password: null,
    });
    expect(created.text).not.toContain('hunter2');

    // Ciphertext in the row that decrypts to what was sent; plaintext nowhere in the database.
    const stored = await secretColumns(ids.trigger);
    expect(server.vault.decryptString(stored.password!)).toBe('hunter2-very-secret');
    expect(server.vault.decryptString(stored.username!)).toBe('svc-user');
    const leaks = await queryRows<{ n: number }>(
      server.testDatabase.db,
      sql`SELECT count(*)::int AS n FROM (
            SELECT kafka_configuration::text AS t FROM triggers
            UNION ALL SELECT triggers::text FROM workflow_snapshots
            UNION ALL SELECT changes::text FROM audit_events) x
          WHERE t LIKE '%hunter2%' OR t LIKE '%svc-user%'`,
    );
    expect(leaks[0]!.n).toBe(0);

    // Reads, snapshots, the provisioning document and the YAML export show no secret.
    const id = created.body.data.id;
    for (const path of [
      `/api/workflows/${id}`,
      `/api/provision/${projectId}`,
      `/api/provision/yaml?id=${projectId}`,
    ]) {
      const read = await call('GET', path);
      expect(read.status, path).toBe(200);
      expect(read.text, path).toContain('scram_sha_256');
      expect(read.text, path).not.toContain('hunter2');
      expect(read.text, path).not.toContain('svc-user');
    }

    // Sending back what was read (secrets null) keeps them and changes nothing.
    const read = (await call('GET', `/api/workflows/${id}`)).body.data;
    const again = await call('PUT', `/api/workflows/${id}`, read);
    expect(again.status).toBe(200);
    expect(again.body.data.lock_version).toBe(read.lock_version);
    expect(server.vault.decryptString((await secretColumns(ids.trigger)).password!)).toBe(
      'hunter2-very-secret',
    );

    // A new password replaces the stored one; the group id cannot change.
    const trigger = read.triggers[0];
    const changed = await call('PUT', `/api/workflows/${id}`, {
      ...read,
      triggers: [
        {
          ...trigger,
          kafka_configuration: { ...trigger.kafka_configuration, password: 'new-pass' },
        },
      ],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data.lock_version).toBe(read.lock_version + 1);
    expect(server.vault.decryptString((await secretColumns(ids.trigger)).password!)).toBe(
      'new-pass',
    );
    const regroup = await call('PUT', `/api/workflows/${id}`, {
      ...changed.body.data,
      triggers: [
        { ...trigger, kafka_configuration: { ...trigger.kafka_configuration, group_id: 'other' } },
      ],
    });
    expect(regroup.status).toBe(422);
    expect(regroup.body.errors['triggers[0].kafka_configuration.group_id']).toEqual([
      `cannot be changed once saved (it is "lightning-${ids.trigger}")`,
    ]);

    // Dropping SASL drops the stored secrets.
    const plain = await call('PUT', `/api/workflows/${id}`, {
      ...changed.body.data,
      triggers: [
        { ...trigger, kafka_configuration: { ...trigger.kafka_configuration, sasl: null } },
      ],
    });
    expect(plain.status).toBe(200);
    expect(await secretColumns(ids.trigger)).toEqual({ username: null, password: null });
  });

  it('refuses bad settings with 422 naming each field', async () => {
    const { body } = kafkaWorkflow('bad', {
      hosts: ['broker', 'ok:70000'],
      topics: [],
      initial_offset_reset_policy: 'yesterday',
      connect_timeout: 0,
      sasl: 'plain',
    });
    const refused = await call('POST', `/api/projects/${projectId}/workflows`, body);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toMatchObject({
      'triggers[0].kafka_configuration.hosts[0]': [expect.stringMatching(/port from 1 to 65535/)],
      'triggers[0].kafka_configuration.hosts[1]': [expect.stringMatching(/port from 1 to 65535/)],
      'triggers[0].kafka_configuration.topics': ['must name at least one topic'],
      'triggers[0].kafka_configuration.initial_offset_reset_policy': [
        expect.stringMatching(/"earliest", "latest" or a timestamp/),
      ],
      'triggers[0].kafka_configuration.connect_timeout': [expect.stringMatching(/at least 1/)],
    });
    // Whether credentials are missing depends on what is stored: checked once the rest is valid.
    const noCredentials = await call('POST', `/api/projects/${projectId}/workflows`, {
      ...body,
      triggers: [
        { ...body.triggers[0], kafka_configuration: { hosts: 'h:1', topics: 't', sasl: 'plain' } },
      ],
    });
    expect(noCredentials.status).toBe(422);
    expect(noCredentials.body.errors).toEqual({
      'triggers[0].kafka_configuration.username': ['is required with sasl "plain"'],
      'triggers[0].kafka_configuration.password': ['is required with sasl "plain"'],
    });
    const malformed = await call('POST', `/api/projects/${projectId}/workflows`, {
      ...body,
      triggers: [{ ...body.triggers[0], kafka_configuration: { hosts: 'h:1', sasl: 'gssapi' } }],
    });
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.errors)).toEqual(['triggers[0].kafka_configuration.sasl']);
    const missing = await call('POST', `/api/projects/${projectId}/workflows`, {
      ...body,
      triggers: [{ ...body.triggers[0], kafka_configuration: null }],
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors['triggers[0].kafka_configuration.hosts']).toBeDefined();
  });

  it('takes kafka triggers in provisioning documents and keeps a 13-digit start timestamp', async () => {
    const { ids, body } = kafkaWorkflow('provisioned', {
      hosts: [['localhost', '9092']],
      topics: ['events'],
      initial_offset_reset_policy: '1733443200000',
      sasl: 'plain',
      username: 'prov-user',
      password: 'prov-secret',
    });
    const document = (await call('GET', `/api/provision/${projectId}`)).body.data;
    const provisioned = await call('POST', '/api/provision', {
      ...document,
      workflows: [...document.workflows, { id: randomUUID(), ...body }],
    });
    expect(provisioned.status).toBe(201);
    expect(provisioned.text).not.toContain('prov-secret');
    const workflow = provisioned.body.data.workflows.find(
      (w: { name: string }) => w.name === 'provisioned',
    );
    expect(workflow.triggers[0].kafka_configuration).toMatchObject({
      initial_offset_reset_policy: '1733443200000',
      group_id: `lightning-${ids.trigger}`,
      password: null,
    });
    expect(server.vault.decryptString((await secretColumns(ids.trigger)).password!)).toBe(
      'prov-secret',
    );
    // Deploying what was pulled changes nothing.
    const pulled = (await call('GET', `/api/provision/${projectId}`)).body.data;
    const redeployed = await call('POST', '/api/provision', pulled);
    expect(redeployed.status).toBe(201);
    const after = redeployed.body.data.workflows.find(
      (w: { name: string }) => w.name === 'provisioned',
    );
    expect(after.lock_version).toBe(workflow.lock_version);
    expect(server.vault.decryptString((await secretColumns(ids.trigger)).password!)).toBe(
      'prov-secret',
    );
  });

  it('keeps kafka triggers readable but not editable while KAFKA_TRIGGERS_ENABLED is off', async () => {
    const { ids, body } = kafkaWorkflow('frozen', { hosts: 'h:9092', topics: 'a, b' });
    const created = await call('POST', `/api/projects/${projectId}/workflows`, body);
    expect(created.status).toBe(201);
    const read = (await call('GET', `/api/workflows/${created.body.data.id}`)).body.data;
    const db = server.testDatabase.db;
    const off = { enabled: false, vault: server.vault };

    // Other parts of the workflow can still be edited.
    const renamed = await updateWorkflow(db, read.id, { ...read, name: 'frozen-renamed' }, off);
    expect(renamed.triggers[0]!.kafka_configuration!.topics).toEqual(['a', 'b']);
    // The trigger itself cannot.
    const edit = updateWorkflow(
      db,
      read.id,
      {
        ...renamed,
        triggers: [{ ...read.triggers[0], enabled: false }],
      },
      off,
    );
    await expect(edit).rejects.toMatchObject({
      statusCode: 422,
      errors: {
        'triggers[0].type': [expect.stringMatching(/KAFKA_TRIGGERS_ENABLED/)],
      },
    });
    const another = updateWorkflow(
      db,
      read.id,
      {
        ...renamed,
        triggers: [
          ...renamed.triggers,
          { id: randomUUID(), type: 'kafka', kafka_configuration: { hosts: 'h:1', topics: 'x' } },
        ],
      },
      off,
    );
    await expect(another).rejects.toMatchObject({ statusCode: 422 });
    expect(ids.trigger).toBe(read.triggers[0].id);
  });

  it('re-encrypts the kafka secrets when the encryption key is rotated', async () => {
    const { ids, body } = kafkaWorkflow('rotated', {
      hosts: 'h:9092',
      topics: 't',
      sasl: 'plain',
      username: 'rot-user',
      password: 'rot-secret',
    });
    expect((await call('POST', `/api/projects/${projectId}/workflows`, body)).status).toBe(201);
    const before = await secretColumns(ids.trigger);
    const oldKey = server.config.encryption.primaryKey!;
    const rotated = createVault({ primary: randomBytes(32), retired: [oldKey] });
    const report = await rotateEncryptionKey(server.testDatabase.db, rotated);
    expect(report.rotated['triggers.kafka_password']).toBeGreaterThanOrEqual(1);
    const after = await secretColumns(ids.trigger);
    expect(Buffer.compare(after.password!, before.password!)).not.toBe(0);
    expect(rotated.decryptString(after.password!)).toBe('rot-secret');
    expect(rotated.decryptString(after.username!)).toBe('rot-user');
  });
});
