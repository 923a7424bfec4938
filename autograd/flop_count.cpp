// The process-wide nominal FLOP counter of autograd/flop_count.h.
#include "autograd/flop_count.h"

#include <atomic>

namespace murine {

namespace {
std::atomic<int64_t> g_flops{0};
}

void add_flops(int64_t flops) { g_flops.fetch_add(flops, std::memory_order_relaxed); }
int64_t flops_counted() { return g_flops.load(std::memory_order_relaxed); }
void reset_flops() { g_flops.store(0, std::memory_order_relaxed); }

}  // namespace murine
