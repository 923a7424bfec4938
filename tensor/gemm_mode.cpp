// The process-wide TF32 switch (see gemm_mode.h).
#include "tensor/gemm_mode.h"

#include <atomic>

namespace murine {

namespace {
std::atomic<bool> tf32_allowed{false};
}

void set_gemm_tf32(bool allowed) { tf32_allowed.store(allowed); }
bool gemm_tf32() { return tf32_allowed.load(); }

}  // namespace murine
