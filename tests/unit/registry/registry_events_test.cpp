#include "troupe/registry/registry_events.hpp"

#include <gtest/gtest.h>

#include "troupe/registry/registry.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

class RegistryEventsTest : public test::deterministic_fixture {
 protected:
  scoped_actor listener{sys};
  pid spawn_idle() { return sys.spawn([](actor&) -> behavior { return {[](const test::ping&) {}}; }); }
};

TEST_F(RegistryEventsTest, ListenersHearOfEachRegisterAndUnregister) {
  // Elixir Registry listeners: "notified of :register and :unregister events" as
  // {:register, registry, key, pid, value} and {:unregister, registry, key, pid}.
  registry<int> reg(sys, registry_keys::duplicate, {.name = "rooms", .listeners = {listener.self()}});
  pid a = spawn_idle();
  ASSERT_TRUE(reg.register_key(a, "room:1", 3));
  auto in = listener->receive<registry_registered>(0s);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->registry, "rooms");
  EXPECT_EQ(in->key, "room:1");
  EXPECT_EQ(in->owner, a);
  EXPECT_EQ(reg.unregister(a, "room:1"), 1u);
  auto out = listener->receive<registry_unregistered>(0s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->key, "room:1");
  EXPECT_EQ(out->owner, a);
}

TEST_F(RegistryEventsTest, AFailedRegisterOrAnEmptyUnregisterTellsNoListener) {
  registry<int> reg(sys, registry_keys::unique, {.name = "names", .listeners = {listener.self()}});
  pid a = spawn_idle(), b = spawn_idle();
  ASSERT_TRUE(reg.register_key(a, "db", 1));
  ASSERT_TRUE(listener->receive<registry_registered>(0s));
  EXPECT_FALSE(reg.register_key(b, "db", 2));
  EXPECT_EQ(reg.unregister(b, "db"), 0u);
  EXPECT_FALSE(listener->receive<registry_registered>(0s));
  EXPECT_FALSE(listener->receive<registry_unregistered>(0s));
}

TEST_F(RegistryEventsTest, ARegistrantsDeathTellsNoListener) {
  // Elixir: "The registered process must be monitored by the listener if the listener wants to
  // be notified if the registered process crashes."
  registry<int> reg(sys, registry_keys::duplicate, {.name = "rooms", .listeners = {listener.self()}});
  pid a = spawn_idle();
  ASSERT_TRUE(reg.register_key(a, "room:1", 3));
  ASSERT_TRUE(listener->receive<registry_registered>(0s));
  sys.exit(a, exit_reason::kill());
  run();
  EXPECT_TRUE(reg.lookup("room:1").empty());
  EXPECT_FALSE(listener->receive<registry_unregistered>(0s));
}

}  // namespace
}  // namespace troupe
