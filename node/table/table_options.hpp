#pragma once
/// @file
/// The options of a shared table (OTP `ets:new/2` options): its kind, who may read and write it,
/// its lock layout, and its heir.

#include <cstdint>
#include <string>

#include "troupe/node/pid.hpp"

namespace troupe {

/// How keys map to objects (OTP table types).
enum class table_kind {
  /// One object per key; a hash table. Insert replaces.
  set,
  /// One object per key, kept in key order (fold and select visit keys in order).
  ordered_set,
  /// Many objects per key, no two equal: inserting an object already there does nothing.
  bag,
  /// Many objects per key, duplicates kept.
  duplicate_bag,
};

/// Who may use the table (OTP access rights), checked against the calling process's pid.
enum class table_access {
  /// Every process reads and writes.
  public_,
  /// Every process reads; only the owner writes (OTP's default).
  protected_,
  /// Only the owner reads or writes.
  private_,
};

struct table_options {
  table_kind kind = table_kind::set;
  table_access access = table_access::protected_;
  /// Readers take a per-thread slot of each shard's lock instead of one shared counter, so
  /// concurrent readers touch no common cache line; writers pay for it by scanning the slots.
  bool read_concurrency = false;
  /// Splits a hash table into many independently locked shards, so writers to different keys
  /// rarely meet. (An ordered_set keeps one shard, so that its traversals stay in key order.)
  bool write_concurrency = false;
  /// Gets the table, and a `table_transfer` message, when the owner dies (OTP `{heir, Pid, Data}`).
  pid heir;
  std::string heir_data;
  /// A name for logs and `table_transfer` (tables are reached through their handle, not by name).
  std::string name;
};

}  // namespace troupe
