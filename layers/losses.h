// Loss functions: differentiable free functions of (y_true, y_pred) that return a scalar tensor
// (or the unreduced losses with Reduction::None). Every loss takes the target first and the
// prediction second, as Keras does; note that PyTorch's nn.BCELoss/nn.CrossEntropyLoss take
// (input, target), the other way round. Shapes must match exactly (the error names the loss and
// both shapes); nothing is broadcast.
//
// Reductions. Keras computes a per-sample loss by averaging over the LAST axis
// (keras.losses.binary_crossentropy, mean_squared_error, mean_absolute_error: mean over axis -1),
// then reduces those per-sample values ("sum_over_batch_size": their mean). murine's
// binary_crossentropy, mse and mae do the same:
//   Reduction::None → the per-sample losses, shape y.shape[:-1] (a 0-d input stays elementwise);
//   Reduction::Mean → their mean (equal to the mean over every element, as PyTorch's "mean");
//   Reduction::Sum  → their sum (PyTorch's "sum" adds every element instead: it is larger by the
//                     size of the last axis).
// torch_bce follows PyTorch: None is elementwise, Mean/Sum run over every element.
// softmax_cross_entropy sums over the class axis, so Keras and PyTorch agree on every reduction.
#pragma once
#include "autograd/ops.h"

namespace murine {

enum class Reduction { Mean, Sum, None };

// Keras' backend epsilon (keras.config.epsilon()), the clip of binary_crossentropy.
inline constexpr float kKerasEpsilon = 1e-7f;

// Binary cross-entropy with Keras 3 semantics (keras.losses.binary_crossentropy /
// BinaryCrossentropy, label_smoothing 0):
//   from_logits = false: o = clip(y_pred, ε, 1 − ε) with ε = 1e-7, ℓ = −(y·ln o + (1 − y)·ln(1 − o)).
//     The clip is part of the function, as in Keras: a prediction outside [ε, 1 − ε] (in
//     particular exactly 0 or 1) gets ZERO gradient, and the loss there saturates at
//     −ln ε ≈ 16.118 (target 1, prediction 0) instead of infinity.
//   from_logits = true: y_pred are logits x; ℓ = softplus(x) − x·y = max(x, 0) − x·y + ln(1 + e^−|x|),
//     stable for any x, gradient σ(x) − y (no clip).
// Caveat (Keras on the TensorFlow backend): a tensor produced by a sigmoid activation carries its
// logits (`_keras_logits`), and binary_crossentropy then silently takes the from_logits path. A
// Keras model ending in Dense(1, activation="sigmoid") may therefore train on the logits formula;
// pass from_logits = true with the pre-sigmoid output to reproduce that.
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           Reduction reduction = Reduction::Mean);

// PyTorch's nn.BCELoss / F.binary_cross_entropy (no weight): each log is clamped at −100,
//   ℓ = −(y·max(ln p, −100) + (1 − y)·max(ln(1 − p), −100)),
// and the gradient is PyTorch's own formula, not the derivative of the clamped expression:
//   dℓ/dp = (p − y) / max(p·(1 − p), 1e-12),   dℓ/dy = max(ln(1 − p), −100) − max(ln p, −100).
// So p = 0 with y = 1 costs exactly 100 and still pushes p up (gradient −1e12 before reduction).
// Predictions are not checked to lie in [0, 1] (PyTorch checks; outside it the logs give NaN).
// ln(1 − p) is computed as log(1 − p): PyTorch uses log1p(−p), which differs by at most ~1e-7
// absolute for tiny p.
Tensor torch_bce(const Tensor& y_true, const Tensor& y_pred, Reduction reduction = Reduction::Mean);

// Mean squared / absolute error: per sample mean over the last axis of (y − ŷ)² or |y − ŷ|
// (keras.losses.mean_squared_error / mean_absolute_error; nn.MSELoss / nn.L1Loss for Mean).
Tensor mse(const Tensor& y_true, const Tensor& y_pred, Reduction reduction = Reduction::Mean);
Tensor mae(const Tensor& y_true, const Tensor& y_pred, Reduction reduction = Reduction::Mean);

// Cross-entropy of softmax(logits) over the last axis, computed stably through log_softmax:
// ℓ = −Σ_c y_c · log_softmax(x)_c. `labels` is either one-hot (or any class probabilities) of the
// logits' shape (Keras' categorical_crossentropy(from_logits=True)), or class indices stored as
// floats with the logits' shape minus the last axis (PyTorch's nn.CrossEntropyLoss,
// Keras' sparse_categorical_crossentropy); an index that is not an integer in [0, C) is an error.
// Gradient flows to the logits (and to probability labels); indices carry none.
Tensor softmax_cross_entropy(const Tensor& labels, const Tensor& logits,
                             Reduction reduction = Reduction::Mean);

// "mean", "sum", "none" → Reduction (for the CLI); anything else is an error.
Reduction reduction_from_string(const std::string& name);

}  // namespace murine
