/**
 * RFC 9449 DPoP: a client that sends a DPoP proof to the token endpoint gets tokens bound to its
 * key: the access token carries `cnf.jkt` (§6) and a public client's refresh token works only with
 * proofs from the same key (§5). Proof jtis are remembered (ReplayDetection) so a proof is
 * accepted once. Server nonces (§8) are optional and not required here. The protected API checks
 * proofs itself (resource-server/dpop-proof.ts).
 */
export function dPoPFeature() {
  return { enabled: true, allowReplay: false, requireNonce: () => false };
}
