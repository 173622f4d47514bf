/// Example: a pool of connection workers under a one_for_one supervisor. Each worker is a
/// gen_server registered as `conn-<i>` that answers queries and counts them. A worker that
/// crashes comes back under the same name with fresh state; its siblings are untouched; and a
/// pool whose workers crash too often gives up, so the tree above it can take over.

#include <gtest/gtest.h>

#include "troupe/node/behaviour/gen_server_call.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "troupe/node/behaviour/supervisor.hpp"
#include "tests/support/deterministic_fixture.hpp"

namespace pool_example {
struct query {
  std::string sql;
  MSGPACK_DEFINE(sql);
};
struct rows {
  std::string from;
  std::int64_t served = 0;
  MSGPACK_DEFINE(from, served);
};
struct drop_connection {
  MSGPACK_DEFINE();
};
}  // namespace pool_example

TROUPE_MESSAGE(pool_example::query, "example.pool.query");
TROUPE_MESSAGE(pool_example::rows, "example.pool.rows");
TROUPE_MESSAGE(pool_example::drop_connection, "example.pool.drop_connection");

namespace troupe {
namespace {

using namespace pool_example;
using namespace std::chrono_literals;

class connection : public gen_server {
 public:
  explicit connection(std::string name) : name_(std::move(name)) {}

 protected:
  behavior make_handlers() override {
    return {
        [this](const query&) { return rows{name_, ++served_}; },
        [](const drop_connection&) -> void { throw std::runtime_error("connection reset by peer"); },
    };
  }

 private:
  std::string name_;
  std::int64_t served_ = 0;
};

std::vector<child_spec> pool_of(int n) {
  std::vector<child_spec> specs;
  for (int i = 0; i < n; ++i) {
    std::string name = "conn-" + std::to_string(i);
    specs.push_back(child_spec::named_worker<connection>(name, start_options::local(name), name));
  }
  return specs;
}

class ConnectionPoolTest : public test::deterministic_fixture {
 protected:
  pid pool;
  void SetUp() override {
    auto p = start<supervisor>(sys, start_options::local("pool"), supervisor_flags{.max_restarts = 3, .max_time = 5s}, pool_of(3));
    ASSERT_TRUE(p) << p.error().message();
    pool = *p;
  }
  result<rows> ask(const std::string& conn) { return call<rows>(sys, via{&sys.local_names(), conn}, query{"select 1"}, 1s); }
};

TEST_F(ConnectionPoolTest, EveryWorkerServesQueriesUnderItsName) {
  for (int i = 0; i < 3; ++i) {
    auto r = ask("conn-" + std::to_string(i));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->from, "conn-" + std::to_string(i));
  }
}

TEST_F(ConnectionPoolTest, ACrashedWorkerComesBackUnderItsNameWithFreshState) {
  ask("conn-1");
  ask("conn-1");
  pid before = *sys.whereis("conn-1");
  cast(sys, "conn-1", drop_connection{});
  run();
  auto after = sys.whereis("conn-1");
  ASSERT_TRUE(after);
  EXPECT_NE(*after, before);
  auto r = ask("conn-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->served, 1) << "a new connection starts from scratch";
}

TEST_F(ConnectionPoolTest, SiblingsKeepRunningWhenOneWorkerCrashes) {
  ask("conn-0");
  pid zero = *sys.whereis("conn-0");
  cast(sys, "conn-1", drop_connection{});
  run();
  EXPECT_EQ(sys.whereis("conn-0"), zero);
  EXPECT_EQ(ask("conn-0")->served, 2);
}

TEST_F(ConnectionPoolTest, ACallerWhoseWorkerCrashesMidCallGetsExited) {
  auto r = call<rows>(sys, via{&sys.local_names(), "conn-2"}, drop_connection{}, 1s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::exited);
  EXPECT_TRUE(ask("conn-2")) << "and the pool has replaced the worker";
}

TEST_F(ConnectionPoolTest, ThePoolGivesUpWhenWorkersCrashTooOften) {
  scoped_actor probe(sys);
  probe->monitor(pool);
  for (int i = 0; i < 4; ++i) {
    cast(sys, "conn-" + std::to_string(i % 3), drop_connection{});
    run();
  }
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::shutdown(reached_max_restart_intensity));
  EXPECT_FALSE(sys.whereis("conn-0"));
  EXPECT_FALSE(sys.whereis("pool"));
}

}  // namespace
}  // namespace troupe
