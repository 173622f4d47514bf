#pragma once
/// @file
/// Cookie proofs for the handshake: each side proves it knows the shared cookie by an
/// HMAC-SHA256 over both nonces, so the cookie never travels and a recorded handshake cannot be
/// replayed (the other side's nonce is fresh each time).
///
///   client -> server  HELLO     (client nonce Nc)
///   server -> client  CHALLENGE (server nonce Ns, HMAC(cookie, "troupe-server" | Nc | Ns))
///   client -> server  AUTH      (HMAC(cookie, "troupe-client" | Ns | Nc))
///   server -> client  WELCOME   or REJECT

#include <string_view>

#include "troupe/transport/frame.hpp"

namespace troupe::transport {

/// A fresh random nonce (libsodium's CSPRNG).
nonce make_nonce();
/// The proof the server sends in CHALLENGE.
proof server_proof(std::string_view cookie, const nonce& client, const nonce& server);
/// The proof the client sends in AUTH.
proof client_proof(std::string_view cookie, const nonce& client, const nonce& server);
/// Constant-time comparison.
bool proofs_equal(const proof& a, const proof& b) noexcept;

}  // namespace troupe::transport
