// gen_server hibernate (OTP {noreply, State, hibernate}): what it gives back, measured.
#include <gtest/gtest.h>
#include <malloc.h>

#include <iostream>

#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace hibernate_test {
struct sleep_now {
  MSGPACK_DEFINE();
};
struct bump {
  MSGPACK_DEFINE();
};
struct bumps_so_far {
  int n = 0;
  MSGPACK_DEFINE(n);
};
}  // namespace hibernate_test

TROUPE_MESSAGE(hibernate_test::sleep_now, "hibernate_test.sleep_now");
TROUPE_MESSAGE(hibernate_test::bump, "hibernate_test.bump");
TROUPE_MESSAGE(hibernate_test::bumps_so_far, "hibernate_test.bumps_so_far");

namespace troupe {
namespace {

using namespace hibernate_test;
using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool malloc_is_measurable = false;  // the sanitizers' allocators do not feed mallinfo2
#else
constexpr bool malloc_is_measurable = true;
#endif

/// Counts bumps; hibernates on sleep_now.
class hibernating_counter : public gen_server {
 protected:
  behavior make_handlers() override {
    return {[this](const sleep_now&) -> void { hibernate(); },
            [this](const bump&) { return bumps_so_far{++count_}; }};
  }

 private:
  int count_ = 0;
};

/// Bytes allocated and not freed: small blocks plus the large ones glibc maps on their own.
std::size_t heap_in_use() {
  auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

class GenServerHibernateTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
  scoped_actor probe{sys};

  /// Bytes the heap holds less after the server hibernates.
  std::ptrdiff_t freed_by_hibernate(const pid& server) {
    std::size_t before = heap_in_use();
    sys.send(server, sleep_now{});
    run();
    return static_cast<std::ptrdiff_t>(before) - static_cast<std::ptrdiff_t>(heap_in_use());
  }
  /// A burst of `n` processes watching the server at once, then gone (as `n` concurrent calls
  /// leave behind: each call monitors the server for its duration).
  void burst_of_watchers(const pid& server, int n) {
    std::vector<ref_id> refs;
    for (int i = 0; i < n; ++i) refs.push_back(probe->monitor(server));
    run();
    for (auto r : refs) probe->demonitor(r);
    run();
  }
};

TEST_F(GenServerHibernateTest, HibernateGivesBackWhatABurstOfCallersLeftBehind) {
  // OTP hibernate: the process "discards its call stack" and its heap is garbage collected and
  // shrunk, so a server idle after a busy period holds only what its state needs.
  if (!malloc_is_measurable) GTEST_SKIP() << "heap figures need glibc's allocator";
  auto server = start<hibernating_counter>(sys);
  ASSERT_TRUE(server);
  burst_of_watchers(*server, 10000);
  auto freed = freed_by_hibernate(*server);
  std::cout << "hibernate after 10000 watchers came and went: " << freed << " bytes given back\n";
  RecordProperty("bytes_freed_after_burst", std::to_string(freed));
  // 10000 watchers grow the list to 16384 slots of (ref, pid); all of it is spare once they left.
  EXPECT_GE(freed, static_cast<std::ptrdiff_t>(16384 * sizeof(std::pair<ref_id, pid>)) * 9 / 10);
}

TEST_F(GenServerHibernateTest, AServerWithNoBusyPastHasLittleToGiveBack) {
  // The honest baseline: the mailbox is intrusive (no spare capacity), so an idle server that
  // was never busy frees (almost) nothing; its state is its own and is kept.
  if (!malloc_is_measurable) GTEST_SKIP() << "heap figures need glibc's allocator";
  auto server = start<hibernating_counter>(sys);
  ASSERT_TRUE(server);
  auto freed = freed_by_hibernate(*server);
  std::cout << "hibernate of a server never busy: " << freed << " bytes given back\n";
  RecordProperty("bytes_freed_idle", std::to_string(freed));
  EXPECT_LT(freed, 1024);
}

TEST_F(GenServerHibernateTest, AHibernatedServerHandlesTheNextMessageWithItsStateIntact) {
  // OTP: a hibernated process wakes on the next message and goes on with the same state.
  auto server = start<hibernating_counter>(sys);
  ASSERT_TRUE(server);
  auto call_bump = [&] {
    auto e = make_envelope<bump>(probe.self(), bump{});
    e->correlation = sys.make_ref();
    sys.deliver(*server, std::move(e));
    run();
    return probe->receive<bumps_so_far>(0s);
  };
  ASSERT_EQ(call_bump()->n, 1);
  burst_of_watchers(*server, 100);
  sys.send(*server, sleep_now{});
  run();
  auto r = call_bump();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 2);
  ref_id mon = probe->monitor(*server);  // monitors work as before
  sys.exit(*server, exit_reason::shutdown());
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, mon);
}

}  // namespace
}  // namespace troupe
