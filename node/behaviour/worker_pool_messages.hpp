#pragma once
/// @file
/// The worker pool's protocol: local messages (the pool runs on its node).

#include "troupe/node/behaviour/worker_pool.hpp"

namespace troupe::detail {

struct pool_checkout {
  pid owner;
  duration timeout{};
  bool block = true;
};
struct pool_checkout_reply {
  result<pid> worker;
};
struct pool_checkin {
  pid worker;
};
struct pool_status_request {};
struct pool_status_reply {
  worker_pool_status status;
};
/// A waiting caller's deadline passed.
struct pool_waiter_deadline {
  std::uint64_t id = 0;
};

}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::pool_checkout, "troupe.pool.checkout");
TROUPE_LOCAL_MESSAGE(troupe::detail::pool_checkout_reply, "troupe.pool.checkout_reply");
TROUPE_LOCAL_MESSAGE(troupe::detail::pool_checkin, "troupe.pool.checkin");
TROUPE_LOCAL_MESSAGE(troupe::detail::pool_status_request, "troupe.pool.status");
TROUPE_LOCAL_MESSAGE(troupe::detail::pool_status_reply, "troupe.pool.status_reply");
TROUPE_LOCAL_MESSAGE(troupe::detail::pool_waiter_deadline, "troupe.pool.waiter_deadline");
