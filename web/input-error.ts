/** A request that passed its schema but does not fit the data in force (HTTP 422): `field` names what to fix. */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
