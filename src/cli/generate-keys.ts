// Prints a fresh signing JWKS (RS256 + ES256, private members included) for SIGNING_KEYS(_FILE).
import { generateSigningKeys } from '../keys/signing-keys.js';

process.stdout.write(`${JSON.stringify(await generateSigningKeys(), null, 2)}\n`);
