import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry credentials. Nothing we log should contain them in the first place;
 * this list is the second line of defence.
 */
export const REDACT_PATHS = [
  'password', '*.password',
  'client_secret', '*.client_secret',
  'code', '*.code', 'code_verifier', '*.code_verifier',
  'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'id_token', '*.id_token',
  'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie', '*.headers.cookie',
  '*.headers.authorization', 'req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]',
];

export function createLogger(deps: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino({
    level: deps.level,
    base: { service: 'gatehouse' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, deps.destination);
}
