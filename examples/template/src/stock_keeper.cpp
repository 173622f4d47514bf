#include "stock_keeper.hpp"

#include <troupe/cluster/global_snapshot.hpp>
#include <troupe/node/spawner.hpp>

namespace inventory {
troupe::behavior stock_keeper::make_handlers() {
  return {
      [this](const stock_add& m) {
        auto& count = levels_[m.item];
        count += m.delta;
        // Under the global supervisor the levels survive a move; elsewhere a no-op.
        troupe::save_global_snapshot(*this, troupe::spawn_args(levels_));
        return stock_level{m.item, count};
      },
      [this](const stock_get& m) {
        auto it = levels_.find(m.item);
        return stock_level{m.item, it == levels_.end() ? 0 : it->second};
      },
      // The first message after a move: the levels as last saved.
      [this](const troupe::global_restore& r) {
        levels_ = msgpack::unpack(r.state.data(), r.state.size()).get().as<std::map<std::string, std::int64_t>>();
      },
  };
}

void host_stock_keeper(troupe::node_app& app) { app.host<stock_keeper, std::string>("stock_keeper"); }

}  // namespace inventory
