#include "troupe/node/table/ets_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using int_table = ets_table<std::string, int>;

class EtsTableTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }

  /// An idle process, to own tables or to be a stranger to them.
  pid idle_process() {
    pid p = sys.spawn([](actor&) -> behavior { return {[](const test::ping&) {}}; });
    run();
    return p;
  }
  int_table make(table_options o = {}) {
    owner = idle_process();
    auto t = int_table::create(sys, owner, std::move(o));
    EXPECT_TRUE(t) << t.error().message();
    run();
    return *t;
  }
  void kill(const pid& p) {
    sys.exit(p, exit_reason::kill());
    run();
  }

  pid owner;
};

TEST_F(EtsTableTest, ASetKeepsOneObjectPerKeyAndInsertReplacesIt) {
  auto t = make();
  ASSERT_TRUE(t.insert(owner, "a", 1));
  ASSERT_TRUE(t.insert(owner, "a", 2));
  EXPECT_EQ(*t.lookup(owner, "a"), std::vector<int>{2});
  EXPECT_EQ(**t.find(owner, "a"), 2);
  EXPECT_EQ(*t.size(owner), 1u);
  EXPECT_FALSE(t.find(owner, "b")->has_value());
}

TEST_F(EtsTableTest, InsertNewLeavesAnExistingKeyAlone) {
  auto t = make();
  EXPECT_TRUE(*t.insert_new(owner, "a", 1));
  EXPECT_FALSE(*t.insert_new(owner, "a", 2));
  EXPECT_EQ(**t.find(owner, "a"), 1);
}

TEST_F(EtsTableTest, ABagKeepsDistinctObjectsAndADuplicateBagKeepsThemAll) {
  auto bag = make({.kind = table_kind::bag});
  for (int v : {1, 2, 1}) ASSERT_TRUE(bag.insert(owner, "k", v));
  EXPECT_EQ(*bag.lookup(owner, "k"), (std::vector<int>{1, 2}));
  auto dup = make({.kind = table_kind::duplicate_bag});
  for (int v : {1, 2, 1}) ASSERT_TRUE(dup.insert(owner, "k", v));
  EXPECT_EQ(*dup.lookup(owner, "k"), (std::vector<int>{1, 2, 1}));
  EXPECT_EQ(*dup.size(owner), 3u);
}

TEST_F(EtsTableTest, AnOrderedSetVisitsKeysInOrder) {
  auto t = make({.kind = table_kind::ordered_set});
  for (auto k : {"c", "a", "b"}) ASSERT_TRUE(t.insert(owner, k, 0));
  auto keys = t.fold(owner, std::string{}, [](std::string acc, const std::string& k, int) { return acc + k; });
  EXPECT_EQ(*keys, "abc");
}

TEST_F(EtsTableTest, EraseRemovesAKeyAndEraseObjectRemovesOnlyEqualObjects) {
  auto t = make({.kind = table_kind::duplicate_bag});
  for (int v : {1, 2, 1}) ASSERT_TRUE(t.insert(owner, "k", v));
  ASSERT_TRUE(t.insert(owner, "other", 9));
  ASSERT_TRUE(t.erase_object(owner, "k", 1));
  EXPECT_EQ(*t.lookup(owner, "k"), std::vector<int>{2});
  ASSERT_TRUE(t.erase(owner, "k"));
  EXPECT_FALSE(*t.member(owner, "k"));
  EXPECT_EQ(*t.size(owner), 1u);
}

TEST_F(EtsTableTest, UpdateCounterAddsInPlaceAndStartsAnAbsentKeyFromTheDefault) {
  auto t = make();
  EXPECT_EQ(t.update_counter(owner, "n", 1).error().code(), errc::not_found);
  EXPECT_EQ(*t.update_counter(owner, "n", 5, 10), 15);
  EXPECT_EQ(*t.update_counter(owner, "n", -3), 12);
  auto bag = make({.kind = table_kind::bag});
  EXPECT_EQ(bag.update_counter(owner, "n", 1, 0).error().code(), errc::invalid_argument);
}

TEST_F(EtsTableTest, SelectReturnsWhatThePredicateAcceptsAndSelectDeleteRemovesIt) {
  auto t = make({.kind = table_kind::ordered_set, .write_concurrency = true});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(t.insert(owner, std::to_string(i), i));
  auto odd = [](const std::string&, int v) { return v % 2 == 1; };
  auto found = t.select(owner, odd);
  ASSERT_EQ(found->size(), 5u);
  EXPECT_EQ(found->front(), (int_table::object{"1", 1}));
  EXPECT_EQ(*t.select_delete(owner, odd), 5u);
  EXPECT_EQ(*t.size(owner), 5u);
  ASSERT_TRUE(t.clear(owner));
  EXPECT_EQ(*t.size(owner), 0u);
}

TEST_F(EtsTableTest, AProtectedTableIsReadByAnyoneAndWrittenOnlyByItsOwner) {
  auto t = make();
  pid stranger = idle_process();
  ASSERT_TRUE(t.insert(owner, "a", 1));
  EXPECT_EQ(**t.find(stranger, "a"), 1);
  EXPECT_EQ(t.insert(stranger, "a", 2).error().code(), errc::unauthorized);
  EXPECT_EQ(t.clear(stranger).error().code(), errc::unauthorized);
}

TEST_F(EtsTableTest, APrivateTableRefusesReadsFromOtherProcesses) {
  auto t = make({.access = table_access::private_});
  pid stranger = idle_process();
  ASSERT_TRUE(t.insert(owner, "a", 1));
  EXPECT_EQ(t.lookup(stranger, "a").error().code(), errc::unauthorized);
  EXPECT_TRUE(t.lookup(owner, "a"));
}

TEST_F(EtsTableTest, APublicTableIsWrittenByAnyProcess) {
  auto t = make({.access = table_access::public_});
  pid stranger = idle_process();
  EXPECT_TRUE(t.insert(stranger, "a", 1));
  EXPECT_EQ(**t.find(owner, "a"), 1);
}

TEST_F(EtsTableTest, TheTableIsDeletedWhenItsOwnerDies) {
  auto t = make();
  ASSERT_TRUE(t.insert(owner, "a", 1));
  kill(owner);
  EXPECT_TRUE(t.deleted());
  EXPECT_EQ(t.lookup(owner, "a").error().code(), errc::not_found);
  EXPECT_TRUE(t.owner().is_null());
}

TEST_F(EtsTableTest, AnOwnerThatIsAlreadyDeadGetsNoTable) {
  pid p = idle_process();
  kill(p);
  auto t = int_table::create(sys, p);
  EXPECT_EQ(t.error().code(), errc::noproc);
}

TEST_F(EtsTableTest, TheHeirInheritsTheTableAndIsToldWhenTheOwnerDies) {
  scoped_actor heir(sys);
  auto t = make({.heir = heir.self(), .heir_data = "yours", .name = "cache"});
  ASSERT_TRUE(t.insert(owner, "a", 1));
  pid old_owner = owner;
  kill(old_owner);
  EXPECT_FALSE(t.deleted());
  EXPECT_EQ(t.owner(), heir.self());
  auto m = heir->receive<table_transfer>(0ms);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->table, t.id());
  EXPECT_EQ(m->from, old_owner);
  EXPECT_EQ(m->data, "yours");
  EXPECT_TRUE(t.insert(heir.self(), "b", 2)) << "the heir is the owner now";
  EXPECT_EQ(*t.size(heir.self()), 2u);
}

TEST_F(EtsTableTest, TheTableIsDeletedWhenTheHeirDiesAfterInheritingIt) {
  pid heir = idle_process();
  auto t = make({.heir = heir});
  kill(owner);
  ASSERT_EQ(t.owner(), heir);
  kill(heir);
  EXPECT_TRUE(t.deleted());
}

TEST_F(EtsTableTest, GiveAwayHandsOwnershipOverAtOnce) {
  auto t = make();
  scoped_actor next(sys);
  ASSERT_TRUE(t.give_away(owner, next.self(), "here"));
  EXPECT_EQ(t.insert(owner, "a", 1).error().code(), errc::unauthorized);
  EXPECT_TRUE(t.insert(next.self(), "a", 1));
  run();
  auto m = next->receive<table_transfer>(0ms);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data, "here");
  kill(owner);
  EXPECT_FALSE(t.deleted()) << "the old owner's death no longer matters";
}

TEST_F(EtsTableTest, DropDeletesTheTableForEveryHandle) {
  auto t = make();
  auto copy = t;
  ASSERT_TRUE(t.insert(owner, "a", 1));
  ASSERT_TRUE(t.drop(owner));
  run();
  EXPECT_TRUE(copy.deleted());
  EXPECT_EQ(copy.size(owner).error().code(), errc::not_found);
}

TEST_F(EtsTableTest, ConcurrentCountersOnAWriteConcurrentTableLoseNoUpdate) {
  auto t = make({.access = table_access::public_, .read_concurrency = true, .write_concurrency = true});
  constexpr int per_thread = 20'000;
  auto work = [&, me = owner](int salt) {
    for (int i = 0; i < per_thread; ++i) {
      (void)t.update_counter(me, "k" + std::to_string(i % 16), 1, 0);
      (void)t.find(me, "k" + std::to_string((i + salt) % 16));
    }
  };
  std::thread a(work, 0), b(work, 7);
  work(3);
  a.join();
  b.join();
  auto total = t.fold(owner, 0, [](int acc, const std::string&, int v) { return acc + v; });
  EXPECT_EQ(*total, 3 * per_thread);
  EXPECT_EQ(*t.size(owner), 16u);
}

}  // namespace
}  // namespace troupe
