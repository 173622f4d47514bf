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
///
/// One name, one node: a server refuses a client that claims the name of a member it still hears
/// from (another creation while the member is up), with a REJECT whose reason
/// `name_in_use_reason` builds; the refused node stops (docs/PROTOCOL.md §4.1, "One name, one node").

#include <string>
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

/// The REJECT reason for a newcomer claiming `name`, which a live member at `address` holds.
std::string name_in_use_reason(std::string_view name, std::string_view address);
/// Whether a REJECT reason says that the name we handshake with belongs to a live member.
bool is_name_in_use(std::string_view reason) noexcept;

}  // namespace troupe::transport
