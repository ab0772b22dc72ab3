// Package receipt signs and verifies submission receipts (汇交凭证).
//
// A receipt signs exact bytes, so no canonicalisation can differ between the
// signer and a verifier: it is {payload: base64(JSON bytes), signature,
// keyID}, where signature is Ed25519 over the payload bytes and keyID is the
// hex SHA-256 of the raw public key. A verifier pins the key's fingerprint
// (its keyID) out of band; a public key from anywhere, such as the Center's
// key set, is trusted only if it hashes to that pin.
package receipt
