#pragma once
/// @file
/// `registry<Value>`: a local, process-aware key/value store (Elixir's Registry).
///
/// ```
/// troupe::registry<std::string> reg(system, troupe::registry_keys::duplicate);
/// reg.register_key(self(), "topic:news", "json");      // from a handler, or any thread
/// for (auto& [p, format] : reg.lookup("topic:news")) send(p, headline{...});
/// ```
/// Keys are strings; each entry is (pid, Value). A `unique` registry holds at most one entry per
/// key (registering a taken key gives `errc::name_taken` naming the holder); a `duplicate` one
/// holds any number, including several from one process. When a process dies, its entries vanish
/// (the registry server monitors every registrant; see `registry_server`).
///
/// | Elixir                                   | Troupe                                       |
/// |------------------------------------------|----------------------------------------------|
/// | `Registry.start_link(keys: :unique, ...)`| `registry<V> reg(system, registry_keys::unique)` |
/// | `Registry.register(r, key, value)`       | `reg.register_key(self, key, value)`         |
/// | `Registry.unregister(r, key)`            | `reg.unregister(self, key)`                  |
/// | `Registry.lookup(r, key)`                | `reg.lookup(key)` -> `[(pid, V)]`            |
/// | `Registry.match(r, key, pattern)`        | `reg.match(key, pred)`                       |
/// | `Registry.dispatch(r, key, fun)`         | `reg.dispatch(key, fun)`                     |
/// | `Registry.count/1`, `count_match/3`      | `reg.count()`, `reg.count_match(key, pred)`  |
/// | `Registry.keys(r, pid)`                  | `reg.keys(pid)`                              |
/// | `{:via, Registry, {r, name}}`            | `via{&reg, name}` (unique registries)        |
/// | `Registry.update_value(r, key, fun)`     | `reg.update_value(self, key, f)` -> {new, old} |
/// | `Registry.select(r, spec)`               | `reg.select(pred(key, pid, value))`          |
/// | `Registry.meta/2`, `put_meta/3`          | `reg.meta<T>(key)`, `reg.put_meta(key, v)`   |
/// | `listeners: [...]`                       | `registry_options::listeners` (registry_events.hpp) |
///
/// Threading: every member is @threadsafe. Reads never wait for a write in progress (they copy
/// the pointer to an immutable partition snapshot; see `registry_table` for why partitions), so
/// they work from any thread and from inside handlers without messaging. Writes are short and synchronous; a
/// write is visible to every read that starts after it returns.
///
/// Lifetime: the registry and its `actor_system` may be destroyed in either order. Destroying
/// the registry stops its server; a server still running under a `via` name of it keeps a share
/// of its table, so its exit can still unregister the name. Once the node has shut down (its
/// processes, the registry's server among them, have ended), reads still work and writes fail
/// with `shutting_down`.

#include <any>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "troupe/node/actor.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/name_service.hpp"
#include "troupe/registry/registry_events.hpp"
#include "troupe/registry/registry_server.hpp"
#include "troupe/registry/registry_table.hpp"

namespace troupe {

struct registry_options {
  /// Partitions of the key and pid indexes. More partitions make writes cheaper (a write copies
  /// one partition) and spread readers over more cache lines. Rounded up to a power of two.
  std::size_t partitions = 256;
  /// Names the registry in the events its listeners receive.
  std::string name;
  /// Processes told of every explicit register and unregister (Elixir's `listeners:`), with a
  /// `registry_registered` / `registry_unregistered`; not of a registrant's death.
  std::vector<pid> listeners;
};

/// One entry as `select` gives it: Elixir's `{key, pid, value}`.
template <class Value>
struct registry_match {
  std::string key;
  pid owner;
  Value value;
};

namespace detail {
/// A registry as a `name_service`, apart from the `registry` object: it shares the table, so a
/// `via` can keep it (see `name_service::share`) after the registry itself is destroyed.
template <class Value>
class registry_names final : public name_service {
 public:
  explicit registry_names(std::shared_ptr<registry_table> table) : table_(std::move(table)) {}

  result<void> register_name(const std::string& name, const pid& p) override {
    if (table_->kind() != registry_keys::unique)
      return fail(errc::invalid_argument, "a duplicate-key registry cannot name processes");
    if constexpr (std::is_default_constructible_v<Value>) {
      return table_->insert(p, name, std::make_shared<const Value>());
    } else {
      return fail(errc::invalid_argument, "this registry's values have no default to name a process with");
    }
  }
  void unregister_name(const std::string& name, const pid& p) override { table_->erase(p, name); }
  [[nodiscard]] std::optional<pid> whereis(const std::string& name) const override {
    if (table_->kind() != registry_keys::unique) return std::nullopt;
    auto v = table_->find(name);
    if (!v.found || v.found->empty()) return std::nullopt;
    return v.found->front().owner;
  }

 private:
  std::shared_ptr<registry_table> table_;
};
}  // namespace detail

template <class Value = std::monostate>
class registry final : public name_service {
 public:
  using entry = std::pair<pid, Value>;

  registry(actor_system& system, registry_keys kind, registry_options options = {})
      : table_(std::make_shared<registry_table>(system, kind, options.partitions, std::move(options.name),
                                                std::move(options.listeners))),
        names_(std::make_shared<detail::registry_names<Value>>(table_)) {
    server_ = system.spawn<registry_server>(table_);
    table_->set_server(server_);
  }
  ~registry() override { table_->stop_server(); }
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  [[nodiscard]] registry_keys kind() const noexcept { return table_->kind(); }
  /// The process that watches registrants (for tests and introspection).
  [[nodiscard]] pid server() const noexcept { return server_; }

  // --- writes ---------------------------------------------------------------------------------
  /// Registers `p` (a live local process) under `key` with `value`. `name_taken` if the registry
  /// is unique and a live process holds `key` (even `p` itself); `noproc` if `p` is not alive.
  [[nodiscard]] result<void> register_key(const pid& p, std::string key, Value value = Value{}) {
    return table_->insert(p, std::move(key), std::make_shared<const Value>(std::move(value)));
  }
  /// Registers the calling process (Elixir's `Registry.register/3`).
  [[nodiscard]] result<void> register_key(const actor& self, std::string key, Value value = Value{}) {
    return register_key(self.self(), std::move(key), std::move(value));
  }
  /// Removes every entry of `p` under `key`. Returns how many were removed.
  std::size_t unregister(const pid& p, std::string_view key) { return table_->erase(p, key); }
  std::size_t unregister(const actor& self, std::string_view key) { return unregister(self.self(), key); }
  /// Replaces the value `p` registered under `key` with `f(old)` and returns {new, old}
  /// (Elixir's `update_value/3`). `not_found` if `p` holds no entry under `key`;
  /// `invalid_argument` on a duplicate-key registry. `f` runs under the writer lock: keep it short.
  template <std::invocable<const Value&> F>
  [[nodiscard]] result<std::pair<Value, Value>> update_value(const pid& p, std::string_view key, F&& f) {
    auto r = table_->update(p, key, [&f](const std::shared_ptr<const void>& old) -> std::shared_ptr<const void> {
      return std::make_shared<const Value>(std::invoke(f, *static_cast<const Value*>(old.get())));
    });
    if (!r) return std::unexpected(r.error());
    return std::pair<Value, Value>{*static_cast<const Value*>(r->first.get()), *static_cast<const Value*>(r->second.get())};
  }
  template <std::invocable<const Value&> F>
  [[nodiscard]] result<std::pair<Value, Value>> update_value(const actor& self, std::string_view key, F&& f) {
    return update_value(self.self(), key, std::forward<F>(f));
  }
  /// Sets registry metadata `key` (Elixir's `put_meta/3`); any copyable type.
  template <class T>
  void put_meta(std::string key, T value) {
    table_->put_meta(std::move(key), std::any(std::move(value)));
  }
  /// Removes registry metadata `key` (Elixir's `delete_meta/2`).
  void delete_meta(std::string key) { table_->put_meta(std::move(key), std::any()); }

  // --- reads ----------------------------------------------------------------------------------
  /// Every (pid, value) under `key`, in registration order; empty if none.
  [[nodiscard]] std::vector<entry> lookup(std::string_view key) const {
    return entries_matching(key, [](const Value&) { return true; });
  }
  /// The entries under `key` whose value satisfies `pred(const Value&)`.
  template <std::predicate<const Value&> Pred>
  [[nodiscard]] std::vector<entry> match(std::string_view key, Pred pred) const {
    return entries_matching(key, pred);
  }
  /// Calls `f(const std::vector<entry>&)` once with the entries under `key`, if there are any
  /// (Elixir's `dispatch/3`). Returns whether `f` ran. `f` runs on the calling thread.
  template <std::invocable<const std::vector<entry>&> F>
  bool dispatch(std::string_view key, F&& f) const {
    auto entries = lookup(key);
    if (entries.empty()) return false;
    std::invoke(std::forward<F>(f), std::as_const(entries));
    return true;
  }
  /// Entries in the whole registry.
  [[nodiscard]] std::size_t count() const { return table_->count(); }
  /// Entries under `key` whose value satisfies `pred`.
  template <std::predicate<const Value&> Pred>
  [[nodiscard]] std::size_t count_match(std::string_view key, Pred pred) const {
    auto v = table_->find(key);
    if (!v.found) return 0;
    std::size_t n = 0;
    for (const auto& e : *v.found) n += pred(value_of(e)) ? 1 : 0;
    return n;
  }
  /// The keys `p` is registered under (a key appears once per entry).
  [[nodiscard]] std::vector<std::string> keys(const pid& p) const { return table_->keys_of(p); }
  /// Every entry of the registry for which `pred(std::string_view key, const pid&, const Value&)`
  /// holds (Elixir's `select/2`, with a C++ predicate for the match spec and its guards). It
  /// scans the whole registry, partition by partition; each partition is read as one snapshot.
  template <std::predicate<std::string_view, const pid&, const Value&> Pred>
  [[nodiscard]] std::vector<registry_match<Value>> select(Pred pred) const {
    std::vector<registry_match<Value>> out;
    for (const auto& part : table_->partitions())
      for (const auto& node : part->nodes)
        for (const auto& e : node->list)
          if (pred(std::string_view(node->key), e.owner, value_of(e))) out.push_back({node->key, e.owner, value_of(e)});
    return out;
  }
  /// How many entries `select(pred)` would give (Elixir's `count_select/2`).
  template <std::predicate<std::string_view, const pid&, const Value&> Pred>
  [[nodiscard]] std::size_t count_select(Pred pred) const {
    std::size_t n = 0;
    for (const auto& part : table_->partitions())
      for (const auto& node : part->nodes)
        for (const auto& e : node->list) n += pred(std::string_view(node->key), e.owner, value_of(e)) ? 1 : 0;
    return n;
  }
  /// Registry metadata `key` as a `T` (Elixir's `meta/2`); nothing if unset or of another type.
  template <class T>
  [[nodiscard]] std::optional<T> meta(std::string_view key) const {
    auto m = table_->meta();
    auto it = m->find(key);
    if (it == m->end()) return std::nullopt;
    if (const T* v = std::any_cast<T>(&it->second)) return *v;
    return std::nullopt;
  }

  // --- name_service (unique registries only) --------------------------------------------------
  /// Binds `name` to `p` with a default `Value`. `invalid_argument` on a duplicate registry.
  result<void> register_name(const std::string& name, const pid& p) override { return names_->register_name(name, p); }
  void unregister_name(const std::string& name, const pid& p) override { names_->unregister_name(name, p); }
  [[nodiscard]] std::optional<pid> whereis(const std::string& name) const override { return names_->whereis(name); }
  /// What a `via` naming this registry holds: it stays usable after the registry is destroyed.
  [[nodiscard]] std::shared_ptr<name_service> share() override { return names_; }

 private:
  static const Value& value_of(const registry_entry& e) noexcept { return *static_cast<const Value*>(e.value.get()); }

  template <class Pred>
  std::vector<entry> entries_matching(std::string_view key, Pred&& pred) const {
    std::vector<entry> out;
    auto v = table_->find(key);
    if (!v.found) return out;
    out.reserve(v.found->size());
    for (const auto& e : *v.found)
      if (pred(value_of(e))) out.emplace_back(e.owner, value_of(e));
    return out;
  }

  std::shared_ptr<registry_table> table_;
  std::shared_ptr<detail::registry_names<Value>> names_;
  pid server_;
};

}  // namespace troupe
