// The backend registry and the default primitive bodies, which say which primitive a backend lacks.
#include "tensor/backend.h"

#include "tensor/cpu_backend.h"
#include "tensor/error.h"

namespace murine {

namespace {
Backend* g_cuda_backend = nullptr;

[[noreturn]] void missing(const Backend& b, const char* primitive) {
  throw Error(std::string(primitive) + ": not implemented on the " + device_name(b.device()) +
              " backend yet");
}
}  // namespace

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: return "neg";
    case UnaryOp::Exp: return "exp";
    case UnaryOp::Log: return "log";
    case UnaryOp::Sqrt: return "sqrt";
    case UnaryOp::Abs: return "abs";
    case UnaryOp::Sign: return "sign";
    case UnaryOp::PowScalar: return "pow";
    case UnaryOp::Clip: return "clip";
    case UnaryOp::Relu: return "relu";
    case UnaryOp::LeakyRelu: return "leaky_relu";
    case UnaryOp::Sigmoid: return "sigmoid";
    case UnaryOp::Tanh: return "tanh";
    case UnaryOp::Silu: return "silu";
    case UnaryOp::Softplus: return "softplus";
    case UnaryOp::AddScalar: return "add";
    case UnaryOp::MulScalar: return "mul";
  }
  return "?";
}

const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "add";
    case BinaryOp::Sub: return "sub";
    case BinaryOp::Mul: return "mul";
    case BinaryOp::Div: return "div";
    case BinaryOp::Pow: return "pow";
    case BinaryOp::Maximum: return "maximum";
    case BinaryOp::Minimum: return "minimum";
    case BinaryOp::Lt: return "lt";
    case BinaryOp::Le: return "le";
    case BinaryOp::Gt: return "gt";
    case BinaryOp::Ge: return "ge";
    case BinaryOp::Eq: return "eq";
    case BinaryOp::Ne: return "ne";
  }
  return "?";
}

void Backend::fill(float*, int64_t, float) { missing(*this, "fill"); }
void Backend::arange(float*, int64_t, float, float) { missing(*this, "arange"); }
void Backend::rand_uniform(float*, int64_t, uint64_t, uint64_t) { missing(*this, "rand"); }
void Backend::rand_normal(float*, int64_t, uint64_t, uint64_t) { missing(*this, "randn"); }
void Backend::unary(UnaryOp op, float*, const float*, int64_t, float, float) {
  missing(*this, unary_op_name(op));
}
void Backend::unary_backward(UnaryOp op, float*, const float*, const float*, const float*, int64_t,
                             float, float) {
  missing(*this, (std::string(unary_op_name(op)) + " backward").c_str());
}
void Backend::binary(BinaryOp op, float*, const Shape&, const float*, const Shape&, const float*,
                     const Shape&) {
  missing(*this, binary_op_name(op));
}
void Backend::where(float*, const Shape&, const float*, const Shape&, const float*, const Shape&,
                    const float*, const Shape&) {
  missing(*this, "where");
}
void Backend::strided_copy(float*, const Shape&, const float*, const Shape&, const Shape&) {
  missing(*this, "strided_copy");
}
void Backend::reduce_rows(ReduceOp, float*, const float*, int64_t, int64_t) {
  missing(*this, "reduce");
}
void Backend::softmax(float*, const float*, int64_t, int64_t, int64_t, bool) {
  missing(*this, "softmax");
}
void Backend::gemm(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, int64_t,
                   const float*, int64_t, int64_t, float, float*, int64_t, int64_t, int64_t) {
  missing(*this, "gemm");
}
void Backend::im2col(const ConvGeometry&, const float*, float*) { missing(*this, "im2col"); }
void Backend::col2im(const ConvGeometry&, const float*, float*) { missing(*this, "col2im"); }
void Backend::im2col_batch(const ConvGeometry&, int64_t, const float*, float*) {
  missing(*this, "im2col");
}
void Backend::col2im_batch(const ConvGeometry&, int64_t, const float*, float*) {
  missing(*this, "col2im");
}

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
