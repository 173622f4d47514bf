#pragma once
/// @file
/// `stock_keeper`: how many of each item one warehouse holds. A gen_server: `stock.add` changes a
/// level and answers the new one, `stock.get` answers it. Run as a global child, it snapshots
/// its levels on every change, so when its node dies it resumes elsewhere where it left off.

#include <cstdint>
#include <map>
#include <string>

#include <troupe/node/behaviour/gen_server.hpp>
#include <troupe/troupe.hpp>

namespace inventory {

/// Adds `delta` (negative: takes) of `item`; answered with `stock_level`.
struct stock_add {
  std::string item;
  std::int64_t delta = 0;
  MSGPACK_DEFINE(item, delta);
};

/// Asks for the level of `item`; answered with `stock_level`.
struct stock_get {
  std::string item;
  MSGPACK_DEFINE(item);
};

struct stock_level {
  std::string item;
  std::int64_t count = 0;
  MSGPACK_DEFINE(item, count);
};

class stock_keeper final : public troupe::gen_server {
 public:
  explicit stock_keeper(std::string warehouse) : warehouse_(std::move(warehouse)) {}

 protected:
  troupe::behavior make_handlers() override;

 private:
  std::string warehouse_;
  std::map<std::string, std::int64_t> levels_;
};

/// Registers the actor type `stock_keeper` (spawn argument: the warehouse's name) with `app`.
void host_stock_keeper(troupe::node_app& app);

}  // namespace inventory

TROUPE_MESSAGE(inventory::stock_add, "inventory.stock.add");
TROUPE_MESSAGE(inventory::stock_get, "inventory.stock.get");
TROUPE_MESSAGE(inventory::stock_level, "inventory.stock.level");
