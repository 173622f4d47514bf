#include "simulation/nemesis.hpp"

#include <algorithm>

namespace troupe::sim {
namespace {

using std::chrono::milliseconds;

std::string ms(duration d) { return std::to_string(std::chrono::duration_cast<milliseconds>(d).count()) + " ms"; }

}  // namespace

std::string fault::describe(const world& w) const {
  auto name = [&](std::size_t i) { return w.members()[i].name; };
  std::string what;
  switch (kind) {
    case halves: {
      what = "partition {";
      for (auto i : side) what += " " + name(i);
      what += " } | the rest";
      break;
    }
    case isolate: what = "isolate " + name(side[0]); break;
    case one_way: what = "one-way cut " + name(from) + " -> " + name(to); break;
    case pause: what = "pause " + name(side[0]); break;
    case crash: what = "crash " + name(side[0]) + ", restart after"; break;
    case flaky:
      what = "flaky links of " + name(side[0]) + " (drop " + std::to_string(drop) + ", duplicate " +
             std::to_string(duplicate) + ", delay up to " + ms(delay) + ")";
      break;
  }
  return "at " + ms(start) + " for " + ms(length) + ": " + what;
}

nemesis::nemesis(world& w, duration heal_at) : world_(w), heal_at_(heal_at) {
  auto& r = w.random();
  const std::size_t n = w.size();
  duration t = milliseconds(r.between(500, 1500));
  while (true) {
    fault f{static_cast<fault::kind_t>(r.below(6))};
    f.start = t;
    f.length = milliseconds(r.between(200, 4000));
    if (f.start + f.length >= heal_at_) break;
    switch (f.kind) {
      case fault::halves: {
        std::vector<std::size_t> all(n);
        for (std::size_t i = 0; i < n; ++i) all[i] = i;
        for (std::size_t i = n - 1; i > 0; --i) std::swap(all[i], all[r.below(i + 1)]);
        all.resize(1 + r.below(n - 1));
        std::sort(all.begin(), all.end());
        f.side = all;
        break;
      }
      case fault::one_way:
        f.from = r.below(n);
        f.to = (f.from + 1 + r.below(n - 1)) % n;
        break;
      case fault::pause:
        f.side = {r.below(n)};
        f.length = milliseconds(r.between(50, 1200));  // shorter than the takeover grace
        break;
      case fault::flaky:
        f.side = {r.below(n)};
        f.drop = static_cast<double>(r.between(0, 20)) / 1000.0;
        f.duplicate = static_cast<double>(r.between(0, 50)) / 1000.0;
        f.delay = milliseconds(r.between(0, 100));
        break;
      default: f.side = {r.below(n)}; break;
    }
    faults_.push_back(f);
    t = f.start + f.length + milliseconds(r.between(300, 2000));
  }
}

void nemesis::act() {
  auto now = world_.elapsed();
  while (next_begin_ < faults_.size() && faults_[next_begin_].start <= now) begin(faults_[next_begin_++]);
  while (next_end_ < next_begin_ && faults_[next_end_].start + faults_[next_end_].length <= now) end(faults_[next_end_++]);
  if (!healed_ && now >= heal_at_) heal_all();
}

void nemesis::begin(const fault& f) {
  world_.log().note("nemesis: " + f.describe(world_));
  switch (f.kind) {
    case fault::pause: return world_.set_paused(f.side[0], true);
    case fault::crash: return world_.crash(f.side[0]);
    case fault::one_way: world_.log().exclusivity_claimed = false; [[fallthrough]];
    default: set_links(f, true);
  }
}

void nemesis::end(const fault& f) {
  switch (f.kind) {
    case fault::pause: world_.set_paused(f.side[0], false); break;
    case fault::crash: world_.start(f.side[0]); break;
    default: set_links(f, false); break;
  }
  world_.log().note("nemesis: healed " + f.describe(world_));
}

void nemesis::set_links(const fault& f, bool on) {
  auto& wire = world_.wire();
  const std::size_t n = world_.size();
  auto slot = [&](std::size_t i) { return wire.slot_of(world_.members()[i].address); };
  auto in_side = [&](std::size_t i) { return std::find(f.side.begin(), f.side.end(), i) != f.side.end(); };
  if (f.kind == fault::one_way) {
    wire.faults(slot(f.from), slot(f.to)).cut = on;
    return;
  }
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) {
      if (a == b || in_side(a) == in_side(b)) continue;
      auto& lf = wire.faults(slot(a), slot(b));
      if (f.kind == fault::flaky) {
        lf.drop = on ? f.drop : 0;
        lf.duplicate = on ? f.duplicate : 0;
        lf.delay = on ? f.delay : duration{};
      } else {
        lf.cut = on;
      }
    }
}

void nemesis::heal_all() {
  healed_ = true;
  world_.wire().clear_faults();
  for (std::size_t i = 0; i < world_.size(); ++i) {
    world_.set_paused(i, false);
    if (!world_.at(i).up()) world_.start(i);
  }
  world_.log().note("nemesis: everything healed");
}

}  // namespace troupe::sim
