#include "troupe/registry/name_table.hpp"

#include "troupe/registry/conflict_policy.hpp"

namespace troupe {

std::optional<pid> name_table::whereis(std::string_view name) const {
  return names_.visit(name, [](const global_entry* e) { return e ? std::optional<pid>(e->holder) : std::nullopt; });
}

std::vector<global_entry> name_table::entries() const {
  std::vector<global_entry> out;
  names_.for_each([&](const std::string&, const global_entry& e) { out.push_back(e); });
  return out;
}

std::vector<global_entry> name_table::local_entries() const {
  std::vector<global_entry> out;
  names_.for_each([&](const std::string&, const global_entry& e) {
    if (system_.is_local(e.holder)) out.push_back(e);
  });
  return out;
}

result<void> name_table::insert_local(const std::string& name, const pid& p) {
  map::batch b(names_);
  if (const global_entry* cur = b.find(name)) {
    if (cur->holder == p) return {};
    // A local holder that already died but whose DOWN the server has not handled yet is no
    // obstacle: its name is as good as gone.
    const bool stale = system_.is_local(cur->holder) && !system_.alive(cur->holder);
    if (!stale) return fail(errc::name_taken, "'" + name + "' is held by " + cur->holder.to_string());
  }
  global_entry e{name, p, clock_.next()};
  b.put(name, e);
  tell_server(e, true);
  return {};
}

bool name_table::erase_local(const std::string& name, const pid& p) {
  map::batch b(names_);
  const global_entry* cur = b.find(name);
  if (!cur || cur->holder != p) return false;
  global_entry gone = *cur;
  b.erase(name);
  tell_server(gone, false);
  return true;
}

bool name_table::holds(const global_entry& e) {
  map::batch b(names_);
  const global_entry* cur = b.find(e.name);
  return cur && *cur == e;
}

void name_table::tell_server(const global_entry& e, bool added) {
  system_.send(server_, detail::global_name_watch{e, added});
}

std::vector<global_entry> name_table::merge(const std::vector<global_entry>& incoming) {
  std::vector<global_entry> displaced;
  map::batch b(names_);
  for (const auto& e : incoming) merge_one(b, e, displaced);
  return displaced;
}

std::vector<global_entry> name_table::replace_owner(node_index owner, const std::vector<global_entry>& incoming) {
  std::vector<global_entry> displaced;
  map::batch b(names_);
  b.erase_if([owner](const std::string&, const global_entry& e) { return e.holder.node == owner; });
  for (const auto& e : incoming) merge_one(b, e, displaced);
  return displaced;
}

void name_table::merge_one(map::batch& b, const global_entry& e, std::vector<global_entry>& displaced) {
  clock_.observe(e.stamp);
  const global_entry* cur = b.find(e.name);
  if (cur && cur->holder != e.holder) {
    if (!wins_conflict(e, *cur)) return;
    if (system_.is_local(cur->holder)) displaced.push_back(*cur);
  }
  b.put(e.name, e);
}

void name_table::erase_remote(const std::string& name, const pid& holder) {
  map::batch b(names_);
  const global_entry* cur = b.find(name);
  if (cur && cur->holder == holder) b.erase(name);
}

void name_table::drop_node(node_index owner, std::uint32_t creation) {
  map::batch b(names_);
  b.erase_if([&](const std::string&, const global_entry& e) {
    return e.holder.node == owner && e.holder.creation == creation;
  });
}

void name_table::drop_stale(node_index owner, std::uint32_t creation) {
  map::batch b(names_);
  b.erase_if([&](const std::string&, const global_entry& e) {
    return e.holder.node == owner && e.holder.creation != creation;
  });
}

}  // namespace troupe
