// The backend registry and the names of the elementwise ops.
#include "tensor/backend.h"

#include "tensor/cpu_backend.h"
#include "tensor/error.h"

namespace murine {

namespace {
Backend* g_cuda_backend = nullptr;
}  // namespace

#define MURINE_OP_NAME_CASE(op, name) \
  case Op::op:                        \
    return name;

const char* unary_op_name(UnaryOp op) {
  using Op = UnaryOp;
  switch (op) { MURINE_UNARY_OPS(MURINE_OP_NAME_CASE) }
  return "?";
}

const char* binary_op_name(BinaryOp op) {
  using Op = BinaryOp;
  switch (op) { MURINE_BINARY_OPS(MURINE_OP_NAME_CASE) }
  return "?";
}

#undef MURINE_OP_NAME_CASE

void register_backend(Backend* b) {
  if (b->device() == Device::CUDA) g_cuda_backend = b;
}

bool device_built(Device device) { return device == Device::CPU || g_cuda_backend != nullptr; }

bool device_available(Device device) {
  if (device == Device::CPU) return true;
  return g_cuda_backend && g_cuda_backend->available();
}

Backend& backend(Device device) {
  static CpuBackend cpu;
  if (device == Device::CPU) return cpu;
  MURINE_CHECK(g_cuda_backend,
               "device cuda: this murine was built without the CUDA backend (rebuild with make CUDA=1)");
  MURINE_CHECK(g_cuda_backend->available(), "device cuda: no CUDA device is visible on this machine");
  return *g_cuda_backend;
}

}  // namespace murine
