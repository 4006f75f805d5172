// Why a worker's event was refused. Carries Lightning's changeset-shaped body, which the socket
// sends back as the error reply: `{"errors": {"<field>": ["<message>"]}}`. Nothing is stored when
// one of these is thrown.
export class RunEventError extends Error {
  override name = 'RunEventError';
  constructor(readonly errors: Record<string, string[]>) {
    super(
      Object.entries(errors)
        .map(([field, messages]) => `${field} ${messages.join(', ')}`)
        .join('; '),
    );
  }

  /** The `response` of the error reply. */
  get response(): { errors: Record<string, string[]> } {
    return { errors: this.errors };
  }
}

export const eventError = (field: string, message: string) =>
  new RunEventError({ [field]: [message] });

/** The run does not exist (or the worker names another one). */
export const runNotFound = () => eventError('run_id', 'not found');

/** Lightning's wording for any change to a run already in a final state. */
export const runAlreadyFinished = (state: string) =>
  eventError('state', `already in completed state (${state})`);
