// Dense (PyTorch: Linear) and its connection-constrained twins mDense (mouse-mimetic, form '2d' by
// default) and SzDense (schizophrenia-mimicking: form 'diagonal', param_reduction 0.5).
// weight (units, in_features) in PyTorch layout; y = x·(W ⊙ window)ᵀ + b.
#pragma once
#include "layers/initializers.h"
#include "layers/kernel_layer.h"
#include "layers/window.h"

namespace murine {

struct DenseOptions {
  int64_t units = 0;
  std::string activation = "";
  bool use_bias = true;
  Initializer kernel_initializer = Initializer::glorot_uniform();
  Initializer bias_initializer = Initializer::zeros();
  int64_t in_features = 0;  // 0: taken from the first input (Keras); PyTorch's Linear passes it
  // Connection window (mDense / SzDense only; an unmasked Dense rejects one):
  // .window = {.form = "2d", .input2d_width = 16, .output2d_width = 8, .window2d_width = 0.4}, or a
  // given one: .window = {.form = "random", .given_npy = "window.npy"}.
  WindowSpec window = {};
};

class Dense : public KernelLayer {
 public:
  explicit Dense(DenseOptions options);
  // PyTorch's nn.Linear(in, out, bias): (in, out) order, kaiming_uniform(√5) weight and its bias rule.
  static DenseOptions torch(int64_t in_features, int64_t out_features, bool bias = true);

  Tensor forward(const Tensor& x) override;
  // Creates the parameters for `in_features` inputs (done by the first forward otherwise).
  void build(int64_t in_features);
  const DenseOptions& options() const { return options_; }

 protected:
  // default_form: the form of a masked layer whose options name none.
  Dense(DenseOptions options, bool masked, std::string name, const char* default_form = "2d");

 private:
  DenseOptions options_;
};

class mDense : public Dense {
 public:
  explicit mDense(DenseOptions options);
};

class SzDense : public Dense {
 public:
  explicit SzDense(DenseOptions options);
};

}  // namespace murine
