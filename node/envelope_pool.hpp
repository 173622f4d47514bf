#pragma once
/// @file
/// Recycles the memory of small envelopes between threads.
///
/// A stream of messages from one process to another allocates on the sender's thread and frees
/// on the receiver's. With malloc, every free then lands in the sender's arena from another
/// thread and every allocation misses the sender's thread cache: the two threads fought over
/// one arena's free lists, and malloc/free took 40 % of a one-way send (perf, local_bench
/// send_u64). Here each thread keeps its own free lists of fixed-size blocks and hands them to a
/// shared depot in batches, so a send and a free are a few instructions and the threads meet once
/// per batch. Blocks come from malloc one at a time and go back to it when the depot holds more
/// than its cap, so a burst does not pin its memory forever.
///
/// Under AddressSanitizer the pool is off (plain new/delete), so use-after-free stays visible.

#include <cstddef>

namespace troupe::detail {

/// Largest envelope (header and payload) the pool serves; larger ones use plain new.
inline constexpr std::size_t pooled_envelope_max = 256;

/// A block of at least `size` bytes, 16-aligned. @threadsafe
void* allocate_envelope(std::size_t size);
/// Gives back a block from `allocate_envelope(size)`, on any thread. @threadsafe
void free_envelope(void* block, std::size_t size) noexcept;

/// The most bytes of one block size the shared depot keeps; past it, freed blocks go to malloc.
inline constexpr std::size_t envelope_depot_cap_bytes = std::size_t(64) << 20;

/// False when the pool is compiled out (AddressSanitizer builds). @threadsafe
bool envelope_pool_enabled() noexcept;
/// Blocks of `block_size` bytes (64, 128 or 256) that the depot holds, for tests. @threadsafe
std::size_t envelope_depot_blocks(std::size_t block_size) noexcept;

}  // namespace troupe::detail
