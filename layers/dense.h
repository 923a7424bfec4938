// Dense (PyTorch: Linear) and its connection-constrained twins mDense (mouse-mimetic, form '2d' by
// default) and SzDense (schizophrenia-mimicking: form 'diagonal', param_reduction 0.5).
// weight (units, in_features) in PyTorch layout; y = x·(W ⊙ window)ᵀ + b.
#pragma once
#include "layers/initializers.h"
#include "layers/module.h"
#include "layers/window.h"

namespace murine {

struct DenseOptions {
  int64_t units = 0;
  std::string activation = "";
  bool use_bias = true;
  Initializer kernel_initializer = Initializer::glorot_uniform();
  Initializer bias_initializer = Initializer::zeros();
  int64_t in_features = 0;  // 0: taken from the first input (Keras); PyTorch's Linear passes it
  // Connection window (mDense / SzDense only; an unmasked Dense rejects a form).
  std::string form = "";
  int64_t input2d_width = 0, output2d_width = 0;
  double window2d_width = 0.5;
  double param_reduction = 0.5;
  double halfbandwidth = 0.0;
  uint64_t window_seed = 0;
};

class Dense : public Module {
 public:
  explicit Dense(DenseOptions options);
  // PyTorch's nn.Linear(in, out, bias): (in, out) order, kaiming_uniform(√5) weight and its bias rule.
  static DenseOptions torch(int64_t in_features, int64_t out_features, bool bias = true);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return name_; }
  // Creates the parameters for `in_features` inputs (done by the first forward otherwise).
  void build(int64_t in_features);
  bool built() const { return weight.defined(); }

  const DenseOptions& options() const { return options_; }
  // The window (undefined for an unmasked Dense) and its figures.
  Tensor window;
  WindowStats window_stats() const;
  Tensor weight, bias;

 protected:
  Dense(DenseOptions options, bool masked, std::string name);

 private:
  DenseOptions options_;
  bool masked_;
  std::string name_;
  WindowSpec spec() const;
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
