#pragma once
/// @file
/// `table_control`: the part of a shared table that is not about its data — its owner, its
/// access rights, its heir, and whether it still exists (OTP ETS ownership rules).
///
/// A table belongs to a process. A small *keeper* process monitors the owner: when the owner
/// dies the table goes to the heir if one is set (the heir becomes owner and gets a
/// `table_transfer` message, OTP's `{'ETS-TRANSFER', Tab, FromPid, HeirData}`), otherwise it is
/// deleted: its data is freed and every later operation fails with `not_found`. The keeper also
/// carries out `give_away` and `drop`, so ownership only ever changes in one process.
///
/// Access rule: every operation names its caller (the pid of the process making it — in a
/// handler, `self()`). The runtime has no "current process" a library could read, so the caller
/// says who it is; a process that lies about its pid is not a threat model ETS has either.
/// - public: anyone reads and writes; protected: anyone reads, the owner writes; private: the
///   owner only. A refused operation fails with `unauthorized`.
///
/// @threadsafe (every member).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/table/table_options.hpp"

namespace troupe {

/// The table `table` passed to this process: `from` (its owner, now dead, or a process that
/// gave it away) sent `data` (the heir data, or `give_away`'s data). OTP 'ETS-TRANSFER'.
struct table_transfer {
  std::uint64_t table = 0;
  std::string name;
  pid from;
  std::string data;
};

namespace detail {
/// Asks the keeper to give the table to `to` (checked by the caller: it was the owner).
struct table_give_away {
  pid from;
  pid to;
  std::string data;
};
/// Asks the keeper to delete the table and exit.
struct table_drop {};
}  // namespace detail

class table_control : public std::enable_shared_from_this<table_control> {
 public:
  table_control(actor_system& sys, table_options opts);
  virtual ~table_control() = default;
  table_control(const table_control&) = delete;
  table_control& operator=(const table_control&) = delete;

  /// Binds the table to `owner` and starts watching it. `noproc` if `owner` is not a live local
  /// process (the table is then deleted at once).
  [[nodiscard]] result<void> attach(const pid& owner);

  [[nodiscard]] result<void> check_read(const pid& caller) const;
  [[nodiscard]] result<void> check_write(const pid& caller) const;
  /// The owner, or a null pid once the table is deleted.
  [[nodiscard]] pid owner() const noexcept;
  [[nodiscard]] bool deleted() const noexcept { return deleted_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] const table_options& options() const noexcept { return opts_; }

  /// Hands the table to `to`, which gets a `table_transfer` (OTP ets:give_away). Only the
  /// owner may; `to` must be a live local process other than the owner.
  [[nodiscard]] result<void> give_away(const pid& caller, const pid& to, std::string data);
  /// Deletes the table (OTP ets:delete/1). Only the owner may, unless the table is public.
  [[nodiscard]] result<void> drop(const pid& caller);

 protected:
  /// Frees every object; called once, when the table is deleted.
  virtual void clear_all() noexcept = 0;

 private:
  friend class table_keeper;
  void set_owner(const pid& p) noexcept { owner_serial_.store(p.serial, std::memory_order_release); }
  void mark_deleted() noexcept;
  [[nodiscard]] bool is_owner(const pid& caller) const noexcept;
  [[nodiscard]] result<void> usable() const;

  actor_system& sys_;
  table_options opts_;
  std::uint64_t id_;
  std::atomic<std::uint64_t> owner_serial_{0};
  std::atomic<bool> deleted_{false};
  pid keeper_;
};

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::table_transfer, "troupe.ets.transfer");
TROUPE_LOCAL_MESSAGE(troupe::detail::table_give_away, "troupe.ets.give_away");
TROUPE_LOCAL_MESSAGE(troupe::detail::table_drop, "troupe.ets.drop");
