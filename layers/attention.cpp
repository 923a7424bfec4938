// AttentionBlock.
#include "layers/attention.h"

#include <cmath>

#include "tensor/error.h"

namespace murine {

static std::shared_ptr<Conv2D> pointwise_conv(int64_t units) {
  Conv2DOptions o;
  o.filters = units;
  o.kernel_size = 1;
  o.in_channels = units;  // builds now
  return std::make_shared<Conv2D>(o);
}

AttentionBlock::AttentionBlock(AttentionBlockOptions options) : options_(options) {
  MURINE_CHECK(options_.units > 0, "AttentionBlock: units must be positive, got " << options_.units);
  MURINE_CHECK(options_.groups > 0 && options_.units % options_.groups == 0,
               "AttentionBlock: groups " << options_.groups << " must be positive and divide units "
                                         << options_.units);
  GroupNormalizationOptions g;
  g.groups = options_.groups;
  g.epsilon = options_.epsilon;
  norm = register_module("norm", std::make_shared<GroupNormalization>(g));
  norm->build(options_.units);
  query = register_module("query", pointwise_conv(options_.units));
  key = register_module("key", pointwise_conv(options_.units));
  value = register_module("value", pointwise_conv(options_.units));
  proj = register_module("proj", pointwise_conv(options_.units));
}

// [attention] S = q·kᵀ/√d, A = softmax over key positions j of S_ij, out_i = Σ_j A_ij v_j  (d = units)
// [attention block] h = GN(x), y = h + proj(attention(q(h), k(h), v(h)))
// x (N, C = units, H, W) → y (N, units, H, W); the P = H·W positions attend to each other.
Tensor AttentionBlock::forward(const Tensor& x) {
  const int64_t U = options_.units;
  MURINE_CHECK(x.rank() == 4, "AttentionBlock: expects input (N, C, H, W), got " << shape_str(x.shape()));
  MURINE_CHECK(x.size(1) == U, "AttentionBlock: input " << shape_str(x.shape()) << " has " << x.size(1)
                                                        << " channels but units is " << U
                                                        << " (the residual h + projection needs them equal)");
  const int64_t N = x.size(0), H = x.size(2), W = x.size(3), P = H * W;
  Tensor h = norm->forward(x);
  Tensor q = reshape(query->forward(h), {N, U, P});  // q[n, :, i] is position i's query
  Tensor k = reshape(key->forward(h), {N, U, P});
  Tensor v = reshape(value->forward(h), {N, U, P});
  Tensor q_scaled = mul(transpose(q), 1.0f / std::sqrt((float)U));  // (N, P, U)
  Tensor scores = matmul(q_scaled, k);                               // (N, P, P): S[n, i, j] = q_i·k_j/√d
  Tensor attention = softmax(scores, -1);                            // each row i sums to 1 over j
  Tensor mixed = matmul(v, transpose(attention));                    // (N, U, P): Σ_j v[n, :, j]·A[n, i, j]
  return add(h, proj->forward(reshape(mixed, {N, U, H, W})));
}

}  // namespace murine
