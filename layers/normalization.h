// Normalization (Keras' preprocessing layer keras.layers.Normalization, axis = the channel axis): shifts
// and scales each channel by a mean and variance computed once over a data set by adapt(), or given.
// Channel axis 1: (N, C), (N, C, H, W) or any (N, C, …); the statistics are over every other axis.
// Buffers "mean" and "variance" (C). Nothing is learned.
//
//   forward:           y = (x − mean) / max(√variance, ε)
//   invert = true:     y = mean + x · max(√variance, ε)        (de-normalisation, e.g. a DDIM's output)
//
// ε = 1e-7 is Keras' backend.epsilon(), a floor on the standard deviation (not added to the variance).
// The buffers start as NaN ("not adapted"): a forward before adapt() (or given statistics, or a loaded
// state dict) is an error rather than a silent identity.
#pragma once
#include <vector>

#include "layers/module.h"

namespace murine {

struct NormalizationOptions {
  bool invert = false;
  double epsilon = 1e-7;    // floor on √variance, > 0
  int64_t in_channels = 0;  // 0: taken from adapt() or the given statistics
  // Statistics given directly (Keras' mean=, variance=): both or neither; one value per channel, or one
  // value for every channel.
  std::vector<double> mean = {}, variance = {};
};

class Normalization : public Module {
 public:
  explicit Normalization(NormalizationOptions options = {});

  // Computes the per-channel mean and (biased) variance over every batch, streamed: each batch is
  // reduced in double on the host and merged with Chan et al.'s pairwise update, so the result equals
  // the one-shot statistics of the concatenated data. Replaces any earlier statistics.
  void adapt(const std::vector<Tensor>& batches);
  void adapt(const Tensor& data);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Normalization"; }
  void build(int64_t in_channels);
  bool built() const { return mean.defined(); }
  const NormalizationOptions& options() const { return options_; }

  Tensor mean, variance;  // (C) each

 private:
  NormalizationOptions options_;
  bool checked_ = false;  // the buffers were seen free of NaN once (they only change to real values after)
  void check_input(const Tensor& x, const char* where) const;
};

}  // namespace murine
