#pragma once
/// @file
/// `ets_table<K, V>`: a key-value table shared by the processes of a node (OTP ETS). Reads and
/// writes happen on the calling thread, under a shard lock — no message to an owner process —
/// so a table is how processes share data without serializing on a server.
///
/// ```
/// auto t = ets_table<std::string, int>::create(sys, self(), {.access = table_access::public_,
///                                                           .read_concurrency = true});
/// t->insert(self(), "hits", 0);
/// t->update_counter(self(), "hits", 1);                       // result<int>: 1
/// auto v = t->lookup(self(), "hits");                         // result<std::vector<int>>: {1}
/// auto big = t->select(self(), [](const std::string&, int n) { return n > 10; });
/// ```
///
/// | OTP                                  | here                                                  |
/// |--------------------------------------|-------------------------------------------------------|
/// | `ets:new(Name, Opts)`                | `create(sys, owner, table_options{...})`              |
/// | `ets:insert/2`, `ets:insert_new/2`   | `insert(caller, k, v)`, `insert_new(caller, k, v)`    |
/// | `ets:lookup/2`, `ets:member/2`       | `lookup(caller, k)` (all objects), `find` (the first), `member` |
/// | `ets:delete/2`, `ets:delete_object/2`| `erase(caller, k)`, `erase_object(caller, k, v)`      |
/// | `ets:update_counter/3,4`             | `update_counter(caller, k, incr, default)`            |
/// | `ets:select/2`, `ets:select_delete/2`| `select(caller, pred)`, `select_delete(caller, pred)` (a C++ predicate instead of a match spec) |
/// | `ets:foldl/3`                        | `fold(caller, acc, f)`                                |
/// | `ets:info(T, size)`, `delete_all_objects` | `size(caller)`, `clear(caller)`                  |
/// | `ets:delete/1`, `ets:give_away/3`    | `drop(caller)`, `give_away(caller, to, data)`         |
///
/// Ownership, heir and access rights: see `table_control.hpp`. Every operation names its caller.
///
/// Guarantees (as ETS): each single-key operation is atomic and isolated. `select`, `fold`,
/// `size` and `clear` visit the shards one at a time, so they see each shard atomically but not
/// the whole table at one instant. Values are copied in and out; no reference into the table
/// escapes a lock. An ordered_set visits keys in order.
///
/// Requirements: `K` is hashable by `Hash` and ordered by `Less` (both, since the kind is a
/// run-time option); a bag needs `V == V`; `update_counter` needs an arithmetic `V`.
///
/// @threadsafe (every member).

#include <algorithm>
#include <concepts>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "troupe/node/table/table_control.hpp"
#include "troupe/node/table/table_shard.hpp"

namespace troupe {

template <class K, class V, class Hash = std::hash<K>, class Less = std::less<K>>
class ets_table {
  class core;

 public:
  using object = std::pair<K, V>;

  /// A new empty table owned by `owner` (a live local process).
  [[nodiscard]] static result<ets_table> create(actor_system& sys, const pid& owner, table_options opts = {}) {
    if constexpr (!std::equality_comparable<V>) {
      if (opts.kind == table_kind::bag) return fail(errc::invalid_argument, "a bag needs comparable values");
    }
    auto c = std::make_shared<core>(sys, std::move(opts));
    if (auto ok = c->attach(owner); !ok) return std::unexpected(ok.error());
    return ets_table(std::move(c));
  }

  // --- writes -----------------------------------------------------------------------------
  /// Inserts an object: replaces the key's object in a set, adds it to a bag (unless an equal
  /// one is there) or a duplicate_bag.
  result<void> insert(const pid& caller, K key, V value) {
    if (auto ok = core_->check_write(caller); !ok) return ok;
    core_->write(key, [&](auto& map, auto& s) { core_->put(map, s, std::move(key), std::move(value)); });
    return {};
  }
  /// Inserts only if the key is absent: true if inserted.
  result<bool> insert_new(const pid& caller, K key, V value) {
    if (auto ok = core_->check_write(caller); !ok) return std::unexpected(ok.error());
    return core_->write(key, [&](auto& map, auto& s) {
      if (map.contains(key)) return false;
      core_->put(map, s, std::move(key), std::move(value));
      return true;
    });
  }
  /// Removes every object with `key` (OTP delete/2).
  result<void> erase(const pid& caller, const K& key) {
    if (auto ok = core_->check_write(caller); !ok) return ok;
    core_->write(key, [&](auto& map, auto& s) {
      auto it = map.find(key);
      if (it == map.end()) return;
      s.objects -= it->second.size();
      map.erase(it);
    });
    return {};
  }
  /// Removes the objects equal to (key, value) (OTP delete_object/2).
  result<void> erase_object(const pid& caller, const K& key, const V& value)
    requires std::equality_comparable<V>
  {
    if (auto ok = core_->check_write(caller); !ok) return ok;
    core_->write(key, [&](auto& map, auto& s) {
      auto it = map.find(key);
      if (it == map.end()) return;
      s.objects -= std::erase(it->second, value);
      if (it->second.empty()) map.erase(it);
    });
    return {};
  }
  /// Adds `incr` to the key's value and returns the new value. An absent key is first inserted
  /// with `default_value`, or fails with `not_found` without one; bags fail with `invalid_argument`.
  result<V> update_counter(const pid& caller, const K& key, V incr, std::optional<V> default_value = {})
    requires std::is_arithmetic_v<V>
  {
    if (auto ok = core_->check_write(caller); !ok) return std::unexpected(ok.error());
    if (core_->is_bag()) return fail(errc::invalid_argument, "update_counter on a bag");
    return core_->write(key, [&](auto& map, auto& s) -> result<V> {
      auto it = map.find(key);
      if (it == map.end()) {
        if (!default_value) return fail(errc::not_found, "update_counter on an absent key");
        it = map.try_emplace(key, typename core::bucket{*default_value}).first;
        ++s.objects;
      }
      return it->second.front() += incr;
    });
  }
  /// Removes the objects `pred(key, value)` accepts; returns how many.
  template <class Pred>
  result<std::size_t> select_delete(const pid& caller, Pred pred) {
    if (auto ok = core_->check_write(caller); !ok) return std::unexpected(ok.error());
    return core_->erase_if(pred);
  }
  /// Removes every object (OTP delete_all_objects/1).
  result<void> clear(const pid& caller) {
    if (auto ok = core_->check_write(caller); !ok) return ok;
    core_->erase_if([](const K&, const V&) { return true; });
    return {};
  }

  // --- reads ------------------------------------------------------------------------------
  /// Every object with `key` (empty if none), in insertion order for bags.
  result<std::vector<V>> lookup(const pid& caller, const K& key) const {
    if (auto ok = core_->check_read(caller); !ok) return std::unexpected(ok.error());
    return core_->read(key, [&](const auto& map) {
      auto it = map.find(key);
      return it == map.end() ? std::vector<V>{} : it->second;
    });
  }
  /// The first object with `key`, if any: the allocation-free lookup for sets.
  result<std::optional<V>> find(const pid& caller, const K& key) const {
    if (auto ok = core_->check_read(caller); !ok) return std::unexpected(ok.error());
    return core_->read(key, [&](const auto& map) {
      auto it = map.find(key);
      return it == map.end() ? std::optional<V>{} : std::optional<V>{it->second.front()};
    });
  }
  result<bool> member(const pid& caller, const K& key) const {
    if (auto ok = core_->check_read(caller); !ok) return std::unexpected(ok.error());
    return core_->read(key, [&](const auto& map) { return map.contains(key); });
  }
  /// The objects `pred(key, value)` accepts (OTP select/2 with a match spec).
  template <class Pred>
  result<std::vector<object>> select(const pid& caller, Pred pred) const {
    return fold(caller, std::vector<object>{}, [&](std::vector<object> acc, const K& k, const V& v) {
      if (pred(k, v)) acc.emplace_back(k, v);
      return acc;
    });
  }
  /// `acc = f(std::move(acc), key, value)` over every object (OTP foldl/3).
  template <class Acc, class F>
  result<Acc> fold(const pid& caller, Acc acc, F f) const {
    if (auto ok = core_->check_read(caller); !ok) return std::unexpected(ok.error());
    core_->for_each([&](const K& k, const V& v) { acc = f(std::move(acc), k, v); });
    return acc;
  }
  /// The number of objects.
  result<std::size_t> size(const pid& caller) const {
    if (auto ok = core_->check_read(caller); !ok) return std::unexpected(ok.error());
    return core_->count();
  }

  // --- ownership --------------------------------------------------------------------------
  [[nodiscard]] pid owner() const noexcept { return core_->owner(); }
  [[nodiscard]] bool deleted() const noexcept { return core_->deleted(); }
  [[nodiscard]] std::uint64_t id() const noexcept { return core_->id(); }
  [[nodiscard]] const table_options& options() const noexcept { return core_->options(); }
  result<void> give_away(const pid& caller, const pid& to, std::string data = {}) {
    return core_->give_away(caller, to, std::move(data));
  }
  result<void> drop(const pid& caller) { return core_->drop(caller); }

 private:
  explicit ets_table(std::shared_ptr<core> c) : core_(std::move(c)) {}

  /// The shards and the operations on them; shared by every handle and by the keeper.
  class core final : public table_control {
   public:
    using shard = detail::table_shard<K, V, Hash, Less>;
    using bucket = typename shard::bucket;

    core(actor_system& sys, table_options opts) : table_control(sys, std::move(opts)) {
      const auto& o = options();
      std::size_t n = (o.write_concurrency && o.kind != table_kind::ordered_set) ? 64 : 1;
      std::size_t slots = o.read_concurrency ? 16 : 1;
      for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<shard>(slots));
    }

    [[nodiscard]] bool is_bag() const noexcept {
      return options().kind == table_kind::bag || options().kind == table_kind::duplicate_bag;
    }

    template <class F>
    decltype(auto) read(const K& key, F&& f) const {
      const shard& s = shard_of(key);
      detail::read_guard g(s.lock);
      return s.with_map(options().kind, f);
    }
    template <class F>
    decltype(auto) write(const K& key, F&& f) {
      shard& s = shard_of(key);
      detail::write_guard g(s.lock);
      return s.with_map(options().kind, [&](auto& map) { return f(map, s); });
    }
    template <class Map>
    void put(Map& map, shard& s, K key, V value) {
      auto [it, fresh] = map.try_emplace(std::move(key));
      bucket& b = it->second;
      switch (options().kind) {
        case table_kind::set:
        case table_kind::ordered_set:
          s.objects += fresh ? 1 : 0;
          b.assign(1, std::move(value));
          return;
        case table_kind::bag:
          if constexpr (std::equality_comparable<V>)
            if (std::find(b.begin(), b.end(), value) != b.end()) return;
          [[fallthrough]];
        case table_kind::duplicate_bag:
          b.push_back(std::move(value));
          ++s.objects;
      }
    }
    template <class F>
    void for_each(F&& f) const {
      for (const auto& s : shards_) {
        detail::read_guard g(s->lock);
        s->with_map(options().kind, [&](const auto& map) {
          for (const auto& [k, b] : map)
            for (const V& v : b) f(k, v);
        });
      }
    }
    template <class Pred>
    std::size_t erase_if(Pred pred) {
      std::size_t erased = 0;
      for (auto& s : shards_) {
        detail::write_guard g(s->lock);
        s->with_map(options().kind, [&](auto& map) {
          for (auto it = map.begin(); it != map.end();) {
            std::size_t n = std::erase_if(it->second, [&](const V& v) { return pred(it->first, v); });
            s->objects -= n;
            erased += n;
            it = it->second.empty() ? map.erase(it) : std::next(it);
          }
        });
      }
      return erased;
    }
    [[nodiscard]] std::size_t count() const {
      std::size_t n = 0;
      for (const auto& s : shards_) {
        detail::read_guard g(s->lock);
        n += s->objects;
      }
      return n;
    }

   protected:
    void clear_all() noexcept override {
      for (auto& s : shards_) {
        detail::write_guard g(s->lock);
        s->hash.clear();
        s->tree.clear();
        s->objects = 0;
      }
    }

   private:
    shard& shard_of(const K& key) const {
      if (shards_.size() == 1) return *shards_.front();
      // Fibonacci hashing: std::hash of an integer is the identity, so mix before taking bits.
      std::uint64_t h = static_cast<std::uint64_t>(Hash{}(key)) * 0x9E3779B97F4A7C15ull;
      return *shards_[(h >> 32) & (shards_.size() - 1)];  // a power of two
    }

    std::vector<std::unique_ptr<shard>> shards_;
  };

  std::shared_ptr<core> core_;
};

}  // namespace troupe
