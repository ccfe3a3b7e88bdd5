import { randomBytes } from 'node:crypto';

/**
 * A new client_id: 128 random bits, base64url, never starting with "-" or "_". An id that
 * starts with "-" reads as an option to every command-line tool (ours included), so one in
 * 32 registered clients could not be named on a command line without `--`.
 */
export function newClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}
