// libFuzzer target: validate_msgpack on arbitrary bytes, then msgpack-c on what it accepts.
//
// Properties checked for accepted input:
// - msgpack::unpack throws nothing but msgpack's own exceptions (anything else, std::bad_alloc
//   included, aborts the run);
// - when it succeeds it consumes exactly the bytes the guard measured;
// - it allocates at most a small multiple of the input size (counted with sanitizer malloc
//   hooks), which is the guarantee the guard exists for (see transport/msgpack_guard.hpp).

#include <sanitizer/allocator_interface.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <msgpack.hpp>

#include "troupe/transport/msgpack_guard.hpp"

namespace {

bool counting = false;
std::size_t allocated = 0;

void on_malloc(const volatile void*, std::size_t n) {
  if (counting) allocated += n;
}
void on_free(const volatile void*) {}

/// msgpack-c's objects are 24 bytes, a map pair 48, and each element takes at least one input
/// byte; add the zone's first chunk and the parser's stack.
std::size_t allowance(std::size_t input) { return 64 * input + 64 * 1024; }

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "msgpack_guard_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const troupe::transport::wire_limits limits;
  const char* bytes = reinterpret_cast<const char*>(data);
  auto check = troupe::transport::validate_msgpack(bytes, size, limits);
  if (!check.ok()) return 0;
  if (check.size == 0 || check.size > size) fail("accepted value has an impossible size");
  allocated = 0;
  counting = true;
  try {
    msgpack::zone zone;
    std::size_t off = 0;
    msgpack::object obj = msgpack::unpack(zone, bytes, check.size, off);
    (void)obj;
    if (off != check.size) fail("msgpack-c consumed a different number of bytes than the guard measured");
  } catch (const msgpack::unpack_error&) {
  } catch (const msgpack::type_error&) {
  } catch (...) {
    fail("msgpack::unpack threw a non-msgpack exception on accepted input");
  }
  counting = false;
  if (allocated > allowance(check.size)) {
    std::fprintf(stderr, "allocated %zu bytes for %zu input bytes\n", allocated, check.size);
    fail("pathological allocation");
  }
  return 0;
}
