// Loss functions (see losses.h): Keras' binary cross-entropy (clipped, or from logits), PyTorch's
// BCELoss with its own backward, MSE, MAE and softmax cross-entropy. All but torch_bce are written
// with differentiable ops, so autograd supplies their gradients.
#include "layers/losses.h"

#include <cmath>

#include "tensor/error.h"

namespace murine {

namespace {

void check_same_shape(const char* loss, const Tensor& y_true, const Tensor& y_pred) {
  MURINE_CHECK(y_true.defined() && y_pred.defined(), loss << ": y_true or y_pred is undefined");
  MURINE_CHECK(y_true.shape() == y_pred.shape(),
               loss << ": y_true of shape " << shape_str(y_true.shape()) << " and y_pred of shape "
                    << shape_str(y_pred.shape()) << " must have the same shape");
}

Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return mean(losses);
    case Reduction::Sum: return sum(losses);
    case Reduction::None: return losses;
  }
  return losses;
}

// [keras loss reduction] per-sample ℓ_b = mean over the last axis of ℓ_b,…; Mean = (1/B) Σ_b ℓ_b, Sum = Σ_b ℓ_b
Tensor reduce_keras(const Tensor& elementwise, Reduction reduction) {
  Tensor per_sample = elementwise.rank() == 0 ? elementwise : mean(elementwise, {-1});
  return reduce(per_sample, reduction);
}

}  // namespace

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                           Reduction reduction) {
  check_same_shape("binary_crossentropy", y_true, y_pred);
  Tensor elementwise;
  if (from_logits) {
    // [bce logits] ℓ = softplus(x) − x·y = max(x, 0) − x·y + ln(1 + e^−|x|);  dℓ/dx = σ(x) − y
    elementwise = sub(softplus(y_pred), mul(y_pred, y_true));
  } else {
    // 1 − ε rounds to 0.99999988f, the float32 Keras clips to.
    const float lo = kKerasEpsilon, hi = (float)(1.0 - (double)kKerasEpsilon);
    // [bce] o = clip(p, ε, 1 − ε), ε = 1e-7;  ℓ = −(y·ln o + (1 − y)·ln(1 − o));  dℓ/dp = 0 where p ∉ [ε, 1 − ε]
    Tensor o = clip(y_pred, lo, hi);
    Tensor bce = mul(y_true, log(o));
    bce = add(bce, mul(1.0f - y_true, log(1.0f - o)));
    elementwise = neg(bce);
  }
  return reduce_keras(elementwise, reduction);
}

Tensor torch_bce(const Tensor& y_true, const Tensor& y_pred, Reduction reduction) {
  check_same_shape("torch_bce", y_true, y_pred);
  return reduce(torch_bce_elementwise(y_true, y_pred), reduction);
}

Tensor mse(const Tensor& y_true, const Tensor& y_pred, Reduction reduction) {
  check_same_shape("mse", y_true, y_pred);
  // [mse] ℓ = mean over the last axis of (y − ŷ)²
  Tensor d = sub(y_true, y_pred);
  return reduce_keras(mul(d, d), reduction);
}

Tensor mae(const Tensor& y_true, const Tensor& y_pred, Reduction reduction) {
  check_same_shape("mae", y_true, y_pred);
  // [mae] ℓ = mean over the last axis of |y − ŷ|  (gradient sign(ŷ − y), 0 at a tie)
  return reduce_keras(abs(sub(y_true, y_pred)), reduction);
}

Tensor softmax_cross_entropy(const Tensor& labels, const Tensor& logits, Reduction reduction) {
  MURINE_CHECK(labels.defined() && logits.defined(), "softmax_cross_entropy: labels or logits is undefined");
  MURINE_CHECK(logits.rank() >= 1 && logits.shape().back() > 0,
               "softmax_cross_entropy: logits of shape " << shape_str(logits.shape())
                                                         << " need a non-empty class axis (the last)");
  const int64_t classes = logits.shape().back();
  Shape batch(logits.shape().begin(), logits.shape().end() - 1);
  Tensor targets;
  if (labels.shape() == logits.shape()) {
    targets = labels;
  } else if (labels.shape() == batch) {
    std::vector<float> index = labels.to_vector();
    for (size_t i = 0; i < index.size(); ++i)
      MURINE_CHECK(index[i] >= 0 && index[i] < (float)classes && index[i] == std::floor(index[i]),
                   "softmax_cross_entropy: label " << index[i] << " at position " << i
                                                   << " is not a class index in [0, " << classes << ")");
    Shape column = batch;
    column.push_back(1);
    // One-hot: (…, 1) == (C,) broadcasts to (…, C).
    targets = eq(reshape(labels.detach(), column), arange(0.0f, (float)classes, 1.0f, logits.device()));
  } else {
    throw Error("softmax_cross_entropy: labels of shape " + shape_str(labels.shape()) +
                " fit neither logits of shape " + shape_str(logits.shape()) +
                " (one-hot) nor its shape without the class axis " + shape_str(batch) + " (indices)");
  }
  // [softmax cross entropy] ℓ = −Σ_c y_c·log_softmax(x)_c;  dℓ/dx = softmax(x)·Σ_c y_c − y
  Tensor per_sample = neg(sum(mul(targets, log_softmax(logits, -1)), {-1}));
  return reduce(per_sample, reduction);
}

Reduction reduction_from_string(const std::string& name) {
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  if (name == "none") return Reduction::None;
  throw Error("reduction: '" + name + "' is not one of \"mean\", \"sum\", \"none\"");
}

}  // namespace murine
