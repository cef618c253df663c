/**
 * A message that will never succeed however often it is retried (undecodable, invalid envelope, a handler's verdict
 * that the content is unusable). It is dead-lettered at once, with `reason`, instead of being redelivered.
 */
export class PermanentEventError extends Error {
  constructor(
    readonly reason: string,
    message?: string,
  ) {
    super(message ?? reason);
    this.name = 'PermanentEventError';
  }
}
