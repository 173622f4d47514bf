#include "troupe/transport/handshake.hpp"

#include <gtest/gtest.h>

namespace troupe::transport {
namespace {

TEST(HandshakeTest, NoncesAreFresh) { EXPECT_NE(make_nonce(), make_nonce()); }

TEST(HandshakeTest, TheSameCookieGivesTheSameProof) {
  auto c = make_nonce(), s = make_nonce();
  EXPECT_TRUE(proofs_equal(client_proof("secret", c, s), client_proof("secret", c, s)));
  EXPECT_TRUE(proofs_equal(server_proof("secret", c, s), server_proof("secret", c, s)));
}

TEST(HandshakeTest, AnotherCookieGivesAnotherProof) {
  auto c = make_nonce(), s = make_nonce();
  EXPECT_FALSE(proofs_equal(client_proof("secret", c, s), client_proof("Secret", c, s)));
}

TEST(HandshakeTest, ClientAndServerProofsDifferSoOneCannotBeReflectedAsTheOther) {
  auto c = make_nonce(), s = make_nonce();
  EXPECT_FALSE(proofs_equal(client_proof("secret", c, s), server_proof("secret", c, s)));
}

TEST(HandshakeTest, AProofDependsOnBothNonces) {
  auto c = make_nonce(), s = make_nonce(), other = make_nonce();
  EXPECT_FALSE(proofs_equal(client_proof("k", c, s), client_proof("k", c, other)));
  EXPECT_FALSE(proofs_equal(client_proof("k", c, s), client_proof("k", other, s)));
}

}  // namespace
}  // namespace troupe::transport
