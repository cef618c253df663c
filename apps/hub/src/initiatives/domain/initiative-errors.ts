/** Domain errors of the hub's initiatives; the HTTP edge maps them to status codes. */
export class InitiativeAlreadyExists extends Error {
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} already exists`);
  }
}

export class InitiativeNotFound extends Error {
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} not found`);
  }
}
