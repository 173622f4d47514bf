#include "troupe/transport/handshake.hpp"

#include <sodium.h>

#include <stdexcept>

namespace troupe::transport {
namespace {

proof hmac(std::string_view cookie, std::string_view label, const nonce& first, const nonce& second) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(cookie.data()), cookie.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(label.data()), label.size());
  crypto_auth_hmacsha256_update(&st, first.data(), first.size());
  crypto_auth_hmacsha256_update(&st, second.data(), second.size());
  proof out{};
  crypto_auth_hmacsha256_final(&st, out.data());
  return out;
}

struct sodium_init {
  sodium_init() {
    if (sodium_init_once() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
  static int sodium_init_once() { return ::sodium_init(); }
};

}  // namespace

nonce make_nonce() {
  static const sodium_init init;
  nonce n{};
  randombytes_buf(n.data(), n.size());
  return n;
}

proof server_proof(std::string_view cookie, const nonce& client, const nonce& server) {
  return hmac(cookie, "troupe-server", client, server);
}

proof client_proof(std::string_view cookie, const nonce& client, const nonce& server) {
  return hmac(cookie, "troupe-client", server, client);
}

bool proofs_equal(const proof& a, const proof& b) noexcept { return sodium_memcmp(a.data(), b.data(), a.size()) == 0; }

namespace {
constexpr std::string_view in_use_marker = "' is already in use by a live member at ";
}

std::string name_in_use_reason(std::string_view name, std::string_view address) {
  return "node name '" + std::string(name) + std::string(in_use_marker) +
         (address.empty() ? std::string("an unknown address") : std::string(address));
}

bool is_name_in_use(std::string_view reason) noexcept {
  return reason.starts_with("node name '") && reason.find(in_use_marker) != std::string_view::npos;
}

}  // namespace troupe::transport
