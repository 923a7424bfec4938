// The primitive list every backend exports under the same names: memory, fills, random streams,
// elementwise maps, row reductions, softmax, GEMM, im2col/col2im, max pooling, group normalisation. The front-end ops (ops_*.cpp)
// check shapes and record autograd nodes, then call these on raw device pointers. Every primitive
// is pure virtual, so a backend that lacks one does not compile: the CPU backend
// (tensor/cpu_backend.h) and the CUDA backend (cuda/cuda_backend.h) implement the same list.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tensor/device.h"
#include "tensor/shape.h"

namespace murine {

// Every elementwise op as X(enumerator, name): the one list that the enums, their names
// (unary_op_name, binary_op_name) and the lists kUnaryOps / kBinaryOps below are generated from, so
// a new op reaches every switch (math::unary warns on a missing case) and every test that walks the
// list (tests/test_cuda_ops.cpp runs each one on both devices).
// y = f(x) elementwise; p0, p1 are the op's scalar parameters where it has them.
#define MURINE_UNARY_OPS(X)                  \
  X(Neg, "neg")                              \
  X(Exp, "exp")                              \
  X(Log, "log")                              \
  X(Sqrt, "sqrt")                            \
  X(Abs, "abs")                              \
  X(PowScalar, "pow")        /* x^p0 */      \
  X(Clip, "clip")            /* min(max(x, p0), p1) */ \
  X(Relu, "relu")                            \
  X(LeakyRelu, "leaky_relu") /* slope p0 */  \
  X(Sigmoid, "sigmoid")                      \
  X(Tanh, "tanh")                            \
  X(Silu, "silu")                            \
  X(Softplus, "softplus")                    \
  X(AddScalar, "add")        /* x + p0 */    \
  X(MulScalar, "mul")        /* x * p0 */

// out = a ∘ b with both read through broadcast strides (0 on broadcast dims).
#define MURINE_BINARY_OPS(X) \
  X(Add, "add")              \
  X(Sub, "sub")              \
  X(Mul, "mul")              \
  X(Div, "div")              \
  X(Pow, "pow")              \
  X(Maximum, "maximum")      \
  X(Minimum, "minimum")      \
  X(Lt, "lt")                \
  X(Le, "le")                \
  X(Gt, "gt")                \
  X(Ge, "ge")                \
  X(Eq, "eq")                \
  X(Ne, "ne")

#define MURINE_OP_ENUMERATOR(op, name) op,
enum class UnaryOp { MURINE_UNARY_OPS(MURINE_OP_ENUMERATOR) };
enum class BinaryOp { MURINE_BINARY_OPS(MURINE_OP_ENUMERATOR) };
#undef MURINE_OP_ENUMERATOR

#define MURINE_UNARY_OP_VALUE(op, name) UnaryOp::op,
#define MURINE_BINARY_OP_VALUE(op, name) BinaryOp::op,
// Every op, in declaration order.
inline constexpr UnaryOp kUnaryOps[] = {MURINE_UNARY_OPS(MURINE_UNARY_OP_VALUE)};
inline constexpr BinaryOp kBinaryOps[] = {MURINE_BINARY_OPS(MURINE_BINARY_OP_VALUE)};
#undef MURINE_UNARY_OP_VALUE
#undef MURINE_BINARY_OP_VALUE

// The op's name in error messages ("relu", "maximum").
const char* unary_op_name(UnaryOp op);
const char* binary_op_name(BinaryOp op);

enum class ReduceOp { Sum, Max };

// One 2-D convolution's geometry for im2col/col2im, per image (C, H, W). For a batch of N images
// the column matrix is (C·kh·kw, N·out_h·out_w), row index (c, i, j), column index (n, oy, ox).
struct ConvGeometry {
  int64_t channels, height, width;
  int64_t kernel_h, kernel_w;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t out_h() const { return (height + pad_top + pad_bottom - dilation_h * (kernel_h - 1) - 1) / stride_h + 1; }
  int64_t out_w() const { return (width + pad_left + pad_right - dilation_w * (kernel_w - 1) - 1) / stride_w + 1; }
};

// One max pooling's geometry over an (height, width) plane. The window of output (oy, ox) covers
// rows oy·stride_h − pad_top + [0, kernel_h) and columns ox·stride_w − pad_left + [0, kernel_w);
// its cells outside the plane are padding and never win. out_h/out_w are worked out by the op
// (autograd/ops_pool.cpp), which also makes sure every window holds at least one cell of the plane.
struct PoolGeometry {
  int64_t height, width;
  int64_t kernel_h, kernel_w;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  int64_t out_h, out_w;
};

// One group normalisation's layout: x (batch, channels, positions) row-major, the channels split into
// `groups` groups of channels/groups consecutive channels, so group g of sample n is one contiguous
// block of (channels/groups)·positions values. The statistics are (batch, groups).
struct GroupNormGeometry {
  int64_t batch, channels, positions, groups;
  int64_t channels_per_group() const { return channels / groups; }
  int64_t group_size() const { return channels / groups * positions; }
};

// The optimizer updates one pass can do (optimizer_update below): the plain variants (no momentum,
// no weight decay, not centered) of the conventions optim/ implements. Each is the float sequence of
// the in-place ops it replaces, element by element (tensor/optimizer_math.h).
enum class OptimizerUpdate { AdamKeras, AdamTorch, RMSpropKeras, RMSpropTorch, RMSpropTF2 };

// The scalars of one optimizer_update; each kind reads the ones its maths names.
struct OptimizerScalars {
  float lr = 0;                      // Adam keras: α_t; Adam torch: the step size lr/(1 − β1ᵗ)
  float beta1 = 0, one_minus_beta1 = 0;
  float beta2 = 0, one_minus_beta2 = 0;
  float rho = 0, one_minus_rho = 0;  // RMSprop (torch: alpha)
  float eps = 0;
  float sqrt_bias_correction2 = 1;   // Adam torch: √(1 − β2ᵗ)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;
  // False when the backend is compiled in but cannot run here (no GPU visible). The default, true,
  // is the CPU's answer; only a device that may be missing overrides it.
  virtual bool available() const { return true; }

  // Memory (bytes). copy_* move between host memory and this device.
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;

  // Fills. Random streams are Philox4x32-10 (tensor/philox.h): element i of a draw is a pure
  // function of (seed, offset, i), so every backend produces the same numbers.
  virtual void fill(float* out, int64_t n, float value) = 0;
  virtual void arange(float* out, int64_t n, float start, float step) = 0;
  virtual void rand_uniform(float* out, int64_t n, uint64_t seed, uint64_t offset) = 0;
  virtual void rand_normal(float* out, int64_t n, uint64_t seed, uint64_t offset) = 0;
  // Dropout's scaled mask from a uniform draw: out[i] = u_i ≥ rate ? scale : 0 with u_i the i-th
  // number rand_uniform would write for (seed, offset), so the stream is rand_uniform's.
  virtual void dropout_mask(float* out, int64_t n, float rate, float scale, uint64_t seed,
                            uint64_t offset) = 0;

  // Elementwise maps.
  virtual void unary(UnaryOp op, float* out, const float* x, int64_t n, float p0, float p1) = 0;
  // gx = gy · f'(x) in one pass; y = f(x) is passed for ops whose derivative reads it.
  virtual void unary_backward(UnaryOp op, float* gx, const float* x, const float* y, const float* gy,
                              int64_t n, float p0, float p1) = 0;
  virtual void binary(BinaryOp op, float* out, const Shape& out_shape, const float* a,
                      const Shape& a_strides, const float* b, const Shape& b_strides) = 0;
  virtual void where(float* out, const Shape& out_shape, const float* cond, const Shape& cond_strides,
                     const float* a, const Shape& a_strides, const float* b, const Shape& b_strides) = 0;
  // dst[i] = src[i] over `shape`, each side addressed by its own strides (elements). Permute, slice,
  // concat, pad and broadcast_to are all this one primitive.
  virtual void strided_copy(float* dst, const Shape& dst_strides, const float* src,
                            const Shape& src_strides, const Shape& shape) = 0;

  // out[r] = reduce(in[r, 0..cols)) for a row-major (rows, cols) matrix.
  virtual void reduce_rows(ReduceOp op, float* out, const float* in, int64_t rows, int64_t cols) = 0;
  // Softmax (or log-softmax) over the middle axis of a contiguous (outer, n, inner) block.
  virtual void softmax(float* out, const float* in, int64_t outer, int64_t n, int64_t inner,
                       bool log) = 0;

  // C = alpha·op(A)·op(B) + beta·C, row-major, for `batch` matrices spaced by the given strides.
  virtual void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                    const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
                    int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
                    int64_t batch) = 0;

  // Convolution lowering for `batch` images (batch, C, H, W) side by side in one column matrix
  // (C·kh·kw, batch·out_h·out_w), so one GEMM covers the whole batch; col2im_batch accumulates
  // (+=) into the images.
  virtual void im2col_batch(const ConvGeometry& g, int64_t batch, const float* images,
                            float* col) = 0;
  virtual void col2im_batch(const ConvGeometry& g, int64_t batch, const float* col,
                            float* images) = 0;

  // Max pooling over `planes` contiguous (H, W) planes (the N·C planes of an NCHW tensor):
  // y[p, oy, ox] = the largest cell of the window inside plane p, and argmax[p, oy, ox] = its index
  // iy·W + ix in the plane, stored as a float (exact below 2^24). Ties go to the first cell in
  // row-major window order; a NaN wins and propagates (as PyTorch). y, argmax (planes, OH, OW).
  virtual void max_pool2d_forward(const PoolGeometry& g, int64_t planes, const float* x, float* y,
                                  float* argmax) = 0;
  // gx[p, argmax[p, o]] += gy[p, o] for every output o of every plane, in output row-major order
  // (accumulates into gx, which the caller has cleared).
  virtual void max_pool2d_backward(const PoolGeometry& g, int64_t planes, const float* gy,
                                   const float* argmax, float* gx) = 0;

  // Group normalisation (GroupNormGeometry): mean[n, g] and rstd[n, g] = 1/√(σ²[n, g] + ε) over the
  // group's values (σ² biased), y = (x − mean)·rstd·γ[c] + β[c]. gamma and beta (channels) may be
  // null (γ = 1, β = 0). y, x (batch, channels, positions); mean, rstd (batch, groups).
  virtual void group_norm_forward(const GroupNormGeometry& g, const float* x, const float* gamma,
                                  const float* beta, float epsilon, float* y, float* mean,
                                  float* rstd) = 0;
  // Its adjoint, from the forward's mean and rstd: dx (batch, channels, positions), dgamma and dbeta
  // (channels), each written (not accumulated) and each skipped when null; gamma may be null (γ = 1).
  virtual void group_norm_backward(const GroupNormGeometry& g, const float* dy, const float* x,
                                   const float* mean, const float* rstd, const float* gamma,
                                   float* dx, float* dgamma, float* dbeta) = 0;
  // One optimizer step of n parameters in one pass: param, and the slots (Adam: m in slot_a, v in
  // slot_b; RMSprop: v in slot_a, slot_b unused), updated in place from grad.
  virtual void optimizer_update(OptimizerUpdate update, const OptimizerScalars& s, float* param,
                                const float* grad, float* slot_a, float* slot_b, int64_t n) = 0;

  // Blocks until queued work on this device is done. The default is the CPU's: its primitives
  // return when their work is done, so there is nothing to wait for.
  virtual void synchronize() {}
};

// The most bytes conv2d / conv_transpose2d give one column matrix (default 32 MiB): they lower the
// batch in chunks of as many images as fit, at least one. Tests lower it to exercise the chunking.
int64_t conv_column_budget_bytes();
void set_conv_column_budget_bytes(int64_t bytes);

// The backend for a device; throws when that backend was not built or cannot run here.
Backend& backend(Device device);
// Whether this binary contains the backend for `device` (CUDA: linked from a CUDA=1 build).
bool device_built(Device device);
// Whether `device` can run tensors now (CUDA: built with CUDA=1 and a GPU is visible).
bool device_available(Device device);
// Called once, at static-initialisation time, by the CUDA build (cuda/cuda_backend.cu).
void register_backend(Backend* backend);

}  // namespace murine
