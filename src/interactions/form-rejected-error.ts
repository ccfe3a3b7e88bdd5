/** A form post without a valid anti-CSRF token: forged, or from a page of another interaction. */
export class FormRejectedError extends Error {
  readonly status = 403;
  readonly expose = true;
  readonly error = 'invalid_form';
  readonly error_description = 'This form has expired or was not sent from our page. Go back and try again.';

  constructor() {
    super('invalid_form');
    this.name = 'FormRejectedError';
  }
}
