#pragma once
/// @file
/// `table_shard`: one independently locked part of a shared table. Objects are kept per key in a
/// bucket (one object for set kinds, several for bags), in a hash map or, for an ordered_set, a
/// tree. Both containers exist so a table's kind can be a run-time option, as in OTP; only the one
/// the kind selects is ever filled.
///
/// Threading: members are touched only under `lock` (shared for reads, exclusive for writes).

#include <map>
#include <unordered_map>
#include <vector>

#include "troupe/node/table/reader_group_lock.hpp"
#include "troupe/node/table/table_options.hpp"

namespace troupe::detail {

template <class K, class V, class Hash, class Less>
struct table_shard {
  using bucket = std::vector<V>;

  explicit table_shard(std::size_t reader_slots) : lock(reader_slots) {}

  /// Runs `f` on the container the kind uses.
  template <class F>
  decltype(auto) with_map(table_kind kind, F&& f) {
    if (kind == table_kind::ordered_set) return f(tree);
    return f(hash);
  }
  template <class F>
  decltype(auto) with_map(table_kind kind, F&& f) const {
    if (kind == table_kind::ordered_set) return f(tree);
    return f(hash);
  }

  mutable reader_group_lock lock;
  std::unordered_map<K, bucket, Hash> hash;
  std::map<K, bucket, Less> tree;
  std::size_t objects = 0;
};

}  // namespace troupe::detail
