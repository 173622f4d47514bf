#include "troupe/registry/registry_table.hpp"

#include <algorithm>
#include <bit>
#include <map>

#include "troupe/node/actor_system.hpp"
#include "troupe/registry/registry_events.hpp"
#include "troupe/registry/registry_server.hpp"

namespace troupe {
namespace {

std::size_t mix(std::uint64_t h) noexcept {
  // Partition by a remixed hash so that partitions stay balanced whatever the string hash does.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

using key_ptr = std::shared_ptr<const registry_table::key_node>;
using pid_ptr = std::shared_ptr<const registry_table::pid_node>;

/// The first node not ordered before (hash, key).
template <class Nodes>
auto key_position(Nodes& nodes, std::size_t hash, std::string_view key) {
  return std::lower_bound(nodes.begin(), nodes.end(), std::pair{hash, key}, [](const key_ptr& n, const auto& k) {
    return n->hash != k.first ? n->hash < k.first : std::string_view(n->key) < k.second;
  });
}

const registry_table::key_node* find_key(const std::vector<key_ptr>& nodes, std::size_t hash, std::string_view key) {
  auto it = key_position(nodes, hash, key);
  return it != nodes.end() && (*it)->hash == hash && (*it)->key == key ? it->get() : nullptr;
}

template <class Nodes>
auto pid_position(Nodes& nodes, const pid& p) {
  return std::lower_bound(nodes.begin(), nodes.end(), p, [](const pid_ptr& n, const pid& k) { return n->owner < k; });
}

const registry_table::pid_node* find_pid(const std::vector<pid_ptr>& nodes, const pid& p) {
  auto it = pid_position(nodes, p);
  return it != nodes.end() && (*it)->owner == p ? it->get() : nullptr;
}

/// A copy of `node` without `p`'s entries, or null if none are left; `removed` counts them.
key_ptr without_owner(const registry_table::key_node& node, const pid& p, std::size_t& removed) {
  auto next = std::make_shared<registry_table::key_node>(node);
  auto before = next->list.size();
  std::erase_if(next->list, [&](const registry_entry& e) { return e.owner == p; });
  removed += before - next->list.size();
  return next->list.empty() ? nullptr : std::move(next);
}

}  // namespace

registry_table::registry_table(actor_system& system, registry_keys kind, std::size_t partitions, std::string name,
                               std::vector<pid> listeners)
    : system_(system),
      kind_(kind),
      mask_(std::bit_ceil(std::max<std::size_t>(partitions, 1)) - 1),
      key_parts_(std::make_unique<slot<key_partition>[]>(mask_ + 1)),
      pid_parts_(std::make_unique<slot<pid_partition>[]>(mask_ + 1)),
      name_(std::move(name)),
      listeners_(std::move(listeners)) {}

std::size_t registry_table::key_index(std::string_view key) const noexcept { return mix(string_hash{}(key)) & mask_; }

std::size_t registry_table::pid_index(const pid& p) const noexcept { return mix(std::hash<pid>{}(p)) & mask_; }

// --- reads ------------------------------------------------------------------------------------

registry_table::key_view registry_table::find(std::string_view key) const {
  const auto hash = string_hash{}(key);
  key_view v{key_parts_[mix(hash) & mask_].current.load()};
  if (auto* n = find_key(v.partition->nodes, hash, key)) v.found = &n->list;
  return v;
}

std::vector<std::string> registry_table::keys_of(const pid& p) const {
  auto part = pid_parts_[pid_index(p)].current.load();
  auto* n = find_pid(part->nodes, p);
  return n ? n->keys : std::vector<std::string>{};
}

bool registry_table::holds_entries(const pid& p) const {
  auto part = pid_parts_[pid_index(p)].current.load();
  return find_pid(part->nodes, p) != nullptr;
}

std::size_t registry_table::count() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i <= mask_; ++i) n += key_parts_[i].current.load()->entry_count;
  return n;
}

std::vector<std::shared_ptr<const registry_table::key_partition>> registry_table::partitions() const {
  std::vector<std::shared_ptr<const key_partition>> out;
  out.reserve(mask_ + 1);
  for (std::size_t i = 0; i <= mask_; ++i) out.push_back(key_parts_[i].current.load());
  return out;
}

void registry_table::put(key_partition& part, std::size_t hash, std::string_view key, key_ptr node) {
  auto it = key_position(part.nodes, hash, key);
  const bool present = it != part.nodes.end() && (*it)->hash == hash && (*it)->key == key;
  if (present && node) {
    *it = std::move(node);
  } else if (present) {
    part.nodes.erase(it);
  } else if (node) {
    part.nodes.insert(it, std::move(node));
  }
}

void registry_table::publish_pid(const pid& p, pid_ptr node) {
  auto& slot = pid_parts_[pid_index(p)].current;
  auto next = std::make_shared<pid_partition>(*slot.load());
  auto it = pid_position(next->nodes, p);
  const bool present = it != next->nodes.end() && (*it)->owner == p;
  if (present && node) {
    *it = std::move(node);
  } else if (present) {
    next->nodes.erase(it);
  } else if (node) {
    next->nodes.insert(it, std::move(node));
  }
  slot.store(std::move(next));
}

// --- the server's lifetime ------------------------------------------------------------------

void registry_table::set_server(const pid& server) {
  std::unique_lock lock(server_mutex_);
  server_ = server;
}

void registry_table::server_stopped() {
  std::unique_lock lock(server_mutex_);
  server_ = {};
}

void registry_table::stop_server() {
  std::shared_lock lock(server_mutex_);
  if (server_) system_.exit(server_, exit_reason::shutdown());
}

void registry_table::notify_server(const pid& p) const {
  std::shared_lock lock(server_mutex_);
  if (server_) system_.send(server_, detail::registry_watch{p});
}

// --- writes -----------------------------------------------------------------------------------

result<void> registry_table::insert(const pid& p, std::string key, std::shared_ptr<const void> value) {
  // Held until the write is done: the node (which `alive` asks) outlives it. See server_mutex_.
  std::shared_lock alive_node(server_mutex_);
  if (!server_) return fail(errc::shutting_down, "the registry's server has stopped (its node has shut down)");
  if (!system_.alive(p)) return fail(errc::noproc, p.to_string() + " is not a live local process");
  const auto hash = string_hash{}(key);
  bool first_entry = false;
  {
    std::lock_guard lock(writer_);
    auto& slot = key_parts_[mix(hash) & mask_].current;
    auto current = slot.load();
    const key_node* existing = find_key(current->nodes, hash, key);
    pid evicted;
    if (existing && kind_ == registry_keys::unique) {
      const pid holder = existing->list.front().owner;
      // A dead holder whose DOWN the server has not handled yet does not keep the key (as Elixir).
      if (holder == p || system_.alive(holder))
        return fail(errc::name_taken, "'" + key + "' is registered to " + holder.to_string());
      evicted = holder;
    }
    auto node = existing ? std::make_shared<key_node>(*existing) : std::make_shared<key_node>(key_node{hash, key, {}});
    auto next = std::make_shared<key_partition>(*current);
    if (evicted) {
      next->entry_count -= node->list.size();
      node->list.clear();
    }
    node->list.push_back({p, std::move(value)});
    ++next->entry_count;
    put(*next, hash, key, std::move(node));
    slot.store(std::move(next));
    if (evicted) unindex(evicted, key, SIZE_MAX);

    auto* held = find_pid(pid_parts_[pid_index(p)].current.load()->nodes, p);
    auto pnode = held ? std::make_shared<pid_node>(*held) : std::make_shared<pid_node>(pid_node{p, {}});
    first_entry = pnode->keys.empty();
    pnode->keys.push_back(key);
    publish_pid(p, std::move(pnode));
  }
  notify_listeners<registry_registered>(key, p);
  alive_node.unlock();
  if (first_entry) notify_server(p);
  return {};
}

std::size_t registry_table::erase(const pid& p, std::string_view key) {
  const auto hash = string_hash{}(key);
  std::size_t removed = 0;
  {
    std::lock_guard lock(writer_);
    auto& slot = key_parts_[mix(hash) & mask_].current;
    auto current = slot.load();
    const key_node* existing = find_key(current->nodes, hash, key);
    if (!existing) return 0;
    auto node = without_owner(*existing, p, removed);
    if (removed == 0) return 0;
    auto next = std::make_shared<key_partition>(*current);
    next->entry_count -= removed;
    put(*next, hash, key, std::move(node));
    slot.store(std::move(next));
    unindex(p, key, removed);
  }
  {
    std::shared_lock alive_node(server_mutex_);
    if (server_) notify_listeners<registry_unregistered>(key, p);
  }
  if (!holds_entries(p)) notify_server(p);
  return removed;
}

result<std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>> registry_table::update(
    const pid& p, std::string_view key, const updater& fn) {
  if (kind_ != registry_keys::unique) return fail(errc::invalid_argument, "update_value needs a unique-key registry");
  const auto hash = string_hash{}(key);
  std::lock_guard lock(writer_);
  auto& slot = key_parts_[mix(hash) & mask_].current;
  auto current = slot.load();
  const key_node* existing = find_key(current->nodes, hash, key);
  if (!existing || existing->list.front().owner != p)
    return fail(errc::not_found, p.to_string() + " holds no entry under '" + std::string(key) + "'");
  auto old_value = existing->list.front().value;
  auto new_value = fn(old_value);
  auto node = std::make_shared<key_node>(*existing);
  node->list.front().value = new_value;
  auto next = std::make_shared<key_partition>(*current);
  put(*next, hash, key, std::move(node));
  slot.store(std::move(next));
  return std::pair{std::move(new_value), std::move(old_value)};
}

void registry_table::put_meta(std::string key, std::any value) {
  std::lock_guard lock(writer_);
  auto next = std::make_shared<meta_map>(*meta_.load());
  if (value.has_value())
    (*next)[std::move(key)] = std::move(value);
  else
    next->erase(key);
  meta_.store(std::move(next));
}

template <class Event>
void registry_table::notify_listeners(std::string_view key, const pid& p) const {
  // Called with server_mutex_ held shared and the server running: the node is alive.
  for (const auto& l : listeners_) system_.send(l, Event{name_, std::string(key), p});
}

std::size_t registry_table::erase_process(const pid& p) {
  std::lock_guard lock(writer_);
  auto* held = find_pid(pid_parts_[pid_index(p)].current.load()->nodes, p);
  if (!held) return 0;
  auto keys = held->keys;  // `held` dies with its partition below
  // Copy each touched key partition once, however many of p's keys it holds.
  std::map<std::size_t, std::shared_ptr<key_partition>> touched;
  std::size_t removed = 0;
  for (const auto& key : keys) {
    const auto hash = string_hash{}(key);
    auto idx = mix(hash) & mask_;
    auto& next = touched[idx];
    if (!next) next = std::make_shared<key_partition>(*key_parts_[idx].current.load());
    const key_node* existing = find_key(next->nodes, hash, key);
    if (!existing) continue;  // a key p held twice, already handled
    std::size_t n = 0;
    auto node = without_owner(*existing, p, n);
    next->entry_count -= n;
    removed += n;
    put(*next, hash, key, std::move(node));
  }
  for (auto& [idx, next] : touched) key_parts_[idx].current.store(std::move(next));
  publish_pid(p, nullptr);
  return removed;
}

void registry_table::unindex(const pid& p, std::string_view key, std::size_t times) {
  auto* held = find_pid(pid_parts_[pid_index(p)].current.load()->nodes, p);
  if (!held) return;
  auto node = std::make_shared<pid_node>(*held);
  for (auto k = node->keys.begin(); k != node->keys.end() && times > 0;) {
    if (*k == key) {
      k = node->keys.erase(k);
      --times;
    } else {
      ++k;
    }
  }
  publish_pid(p, node->keys.empty() ? nullptr : std::move(node));
}


}  // namespace troupe
