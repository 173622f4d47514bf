// node/park.hpp: a process asked to park stops after the message it is handling, is not run again
// (whatever arrives) until its gate lets it go, and other processes run meanwhile.

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/node/park.hpp"

namespace troupe {
namespace {

using test::ping;
using namespace std::chrono_literals;

/// A gate that is shut while `busy`; `open` lets its processes go.
class test_gate final : public park_gate {
 public:
  bool busy = true;
  std::vector<actor*> parked;
  bool park(actor* a) noexcept override {
    if (!busy) return false;
    parked.push_back(a);
    return true;
  }
  void open() {
    busy = false;
    auto go = std::move(parked);
    parked.clear();
    for (actor* a : go) unpark(a);
  }
};

class ParkTest : public test::deterministic_fixture {};

/// Records what it handles; asks to park at `gate` on every ping `park_on`.
pid recorder(actor_system& sys, std::vector<std::uint64_t>& seen, test_gate& gate, std::uint64_t park_on) {
  return sys.spawn([&seen, &gate, park_on](actor&) -> behavior {
    return {[&seen, &gate, park_on](const ping& p) {
      seen.push_back(p.n);
      if (p.n == park_on) { EXPECT_TRUE(park_current_process(gate)); }
    }};
  });
}

TEST_F(ParkTest, AParkedProcessStopsAfterTheCurrentMessageAndResumesInOrderWhenLetGo) {
  test_gate gate;
  std::vector<std::uint64_t> seen, other;
  pid a = recorder(sys, seen, gate, 1);
  pid b = sys.spawn([&other](actor&) -> behavior { return {[&other](const ping& p) { other.push_back(p.n); }}; });
  for (std::uint64_t i = 0; i < 5; ++i) sys.send(a, ping{i});
  run();
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 1})) << "the process ran on past its park";
  ASSERT_EQ(gate.parked.size(), 1u);
  // Parked: more mail does not wake it, and other processes still run.
  sys.send(a, ping{5});
  sys.send(b, ping{7});
  run();
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(other, std::vector<std::uint64_t>{7});
  gate.open();
  run();
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(sys.alive(a));
}

TEST_F(ParkTest, AGateThatOpenedMeanwhileLetsTheProcessCarryOn) {
  test_gate gate;
  gate.busy = false;
  std::vector<std::uint64_t> seen;
  pid a = recorder(sys, seen, gate, 0);
  for (std::uint64_t i = 0; i < 3; ++i) sys.send(a, ping{i});
  run();
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_TRUE(gate.parked.empty());
}

TEST_F(ParkTest, AProcessParkedThenKilledExitsOnceLetGo) {
  test_gate gate;
  std::vector<std::uint64_t> seen;
  pid a = recorder(sys, seen, gate, 0);
  scoped_actor probe(sys);
  auto ref = probe->monitor(a);
  sys.send(a, ping{0});
  run();
  ASSERT_EQ(gate.parked.size(), 1u);
  sys.exit(a, exit_reason::kill());
  run();
  gate.open();
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, exit_reason::killed());
}

TEST_F(ParkTest, OutsideAProcessThereIsNothingToPark) {
  test_gate gate;
  EXPECT_FALSE(park_current_process(gate));
}

}  // namespace
}  // namespace troupe
