#pragma once
/// @file
/// Parking a process: how a sender is suspended while something it sends to is busy, as Erlang
/// suspends a process that sends on a busy distribution port.
///
/// A process cannot stop in the middle of a handler (no stack of its own to keep), so the one
/// that finds its destination busy (the transport, when a peer's outbound queue is above its
/// high-water mark) asks the runtime to park the process after the message being handled: the
/// turn ends there, and the process is not scheduled again — whatever arrives in its mailbox —
/// until the gate lets it go with `unpark`. Other processes keep running meanwhile.
///
/// A parked process holds its turn token, so it stays parked while messages (and signals, which
/// it acts on once it runs again) queue up; the gate must open eventually (the queue drained,
/// or the peer was lost).

namespace troupe {

class actor;

/// Where processes wait. Implemented by what can be busy (transport/send_gate.hpp).
class park_gate {
 public:
  virtual ~park_gate() = default;
  /// Takes `a`, which has just ended its turn and holds a reference for the gate. Returns false
  /// if the gate is open by now: the runtime then carries on as if nothing had happened (and
  /// drops that reference itself). Otherwise the gate keeps `a` until it calls `unpark(a)`.
  /// Called on the scheduler thread that ran `a`. @threadsafe
  virtual bool park(actor* a) noexcept = 0;
};

/// Asks the process whose turn runs on this thread to park at `gate` once the message being
/// handled is done. False if no process runs here (a plain thread, the I/O thread, a timer): the
/// caller must wait or refuse in some other way. @threadsafe
bool park_current_process(park_gate& gate) noexcept;

/// Schedules a process the gate took in `park`, handing the gate's reference to its turn.
/// @threadsafe
void unpark(actor* a) noexcept;

}  // namespace troupe
