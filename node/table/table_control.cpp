#include "troupe/node/table/table_control.hpp"

namespace troupe {

/// Watches the owner of one table; the only process that changes the owner or deletes the table.
class table_keeper final : public actor {
 public:
  table_keeper(std::shared_ptr<table_control> t, pid owner) : table_(std::move(t)), first_owner_(owner) {}

 protected:
  behavior make_behavior() override {
    return {
        [this](const down_msg& d) { on_down(d); },
        [this](const detail::table_give_away& g) { watch_new_owner(g.from, g.to, g.data); },
        [this](const detail::table_drop&) { finish(); },
    };
  }
  void on_start() override { watch_ = monitor(first_owner_); }

 private:
  /// A DOWN of a process that is no longer the owner (it gave the table away; the give_away
  /// message is still queued behind this signal) changes nothing.
  void on_down(const down_msg& d) {
    if (d.ref != watch_ || d.who != table_->owner()) return;
    const pid heir = table_->options().heir;
    if (!heir || heir == d.who) return finish();
    table_->set_owner(heir);
    watch_new_owner(d.who, heir, table_->options().heir_data);
  }
  /// The new owner (already published by the caller) is watched before it is told, so its death
  /// cannot be missed: if it is already dead, the monitor fires noproc.
  void watch_new_owner(const pid& from, const pid& to, const std::string& data) {
    if (table_->deleted()) return;
    demonitor(watch_);
    watch_ = monitor(to);
    send(to, table_transfer{table_->id(), table_->options().name, from, data});
  }
  void finish() {
    table_->mark_deleted();
    stop();
  }

  std::shared_ptr<table_control> table_;
  pid first_owner_;
  ref_id watch_ = 0;
};

table_control::table_control(actor_system& sys, table_options opts)
    : sys_(sys), opts_(std::move(opts)), id_(sys.make_ref()) {}

result<void> table_control::attach(const pid& owner) {
  if (!sys_.is_local(owner) || !sys_.alive(owner)) {
    mark_deleted();
    return fail(errc::noproc, "a table's owner must be a live local process: " + owner.to_string());
  }
  set_owner(owner);
  keeper_ = sys_.spawn<table_keeper>(shared_from_this(), owner);
  if (!keeper_) {
    mark_deleted();
    return fail(errc::shutting_down, "the node is shutting down");
  }
  return {};
}

pid table_control::owner() const noexcept {
  if (deleted()) return {};
  return pid{sys_.node(), sys_.creation(), owner_serial_.load(std::memory_order_acquire)};
}

bool table_control::is_owner(const pid& caller) const noexcept {
  return caller.serial == owner_serial_.load(std::memory_order_acquire) && sys_.is_local(caller);
}

result<void> table_control::usable() const {
  if (deleted()) return fail(errc::not_found, "table " + std::to_string(id_) + " was deleted");
  return {};
}

result<void> table_control::check_read(const pid& caller) const {
  if (auto ok = usable(); !ok) return ok;
  if (opts_.access == table_access::private_ && !is_owner(caller))
    return fail(errc::unauthorized, "private table read by " + caller.to_string() + ", not its owner");
  return {};
}

result<void> table_control::check_write(const pid& caller) const {
  if (auto ok = usable(); !ok) return ok;
  if (opts_.access != table_access::public_ && !is_owner(caller))
    return fail(errc::unauthorized, "table written by " + caller.to_string() + ", not its owner");
  return {};
}

result<void> table_control::give_away(const pid& caller, const pid& to, std::string data) {
  if (auto ok = usable(); !ok) return ok;
  if (to == caller || !sys_.is_local(to) || !sys_.alive(to))
    return fail(errc::invalid_argument, "give_away needs a live local process other than the owner");
  // Published at once, as OTP's synchronous give_away: the old owner's next write is refused.
  std::uint64_t expected = caller.serial;
  if (!sys_.is_local(caller) || !owner_serial_.compare_exchange_strong(expected, to.serial, std::memory_order_acq_rel))
    return fail(errc::unauthorized, "only the owner gives a table away");
  sys_.send(keeper_, detail::table_give_away{caller, to, std::move(data)});
  return {};
}

result<void> table_control::drop(const pid& caller) {
  if (auto ok = check_write(caller); !ok) return ok;
  mark_deleted();
  sys_.send(keeper_, detail::table_drop{});
  return {};
}

void table_control::mark_deleted() noexcept {
  if (deleted_.exchange(true, std::memory_order_acq_rel)) return;
  clear_all();
}

}  // namespace troupe
