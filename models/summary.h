// summary(): a Keras-style table of a model's layers (type, output shape, parameters, %usage of the masked
// ones) and the network's overall weight usage; weight_usage() gives the same figures as numbers.
//
// Definition of the overall %usage (the paper's "44 %" for the DDIM):
//   usage = 100 · (P − Σ_masked (num_weights − num_ones)) / P
// where P counts every entry of every trainable parameter of the model (kernels, biases, BatchNorm /
// GroupNorm γ and β; not buffers: running statistics, windows, spectral-norm u), and the sum runs over
// the masked layers (mDense, mConv2D, SzConv2D, mConv2DTranspose, … any Dense / Conv2D / Conv2DTranspose
// with a window), whose num_weights and num_ones are their window_stats() (taps included, as the
// reference's num_weights / num_ones). In words: the fraction of the model's parameters that exist,
// a masked-out weight being one that does not. With only kernels counted instead the figure changes by
// less than 0.1 % for the seed's models (biases and normalisation parameters are tiny in number).
// masked_usage is the same ratio over the masked layers' kernels alone (the reference's per-layer
// "param %usage", pooled: 100 · Σ num_ones / Σ num_weights).
#pragma once
#include <string>

#include "layers/module.h"

namespace murine {

struct WeightUsage {
  int64_t parameters = 0;        // P: entries of all trainable parameters
  double kept = 0.0;             // P minus the masked-out entries
  int64_t masked_weights = 0;    // Σ num_weights over masked layers
  double masked_ones = 0.0;      // Σ num_ones over masked layers
  double usage_percent = 100.0;  // 100 · kept / P (100 when P is 0)
  double masked_usage_percent = 100.0;  // 100 · masked_ones / masked_weights (100 when there are none)
};

// The figures above for `model` (built layers only: build or run the model once first).
WeightUsage weight_usage(const Module& model);

// The %usage of one layer with a window (100 · num_ones / num_weights), or -1 for a layer without one.
double layer_usage_percent(const Module& layer);

// Runs `example_input` through `model` (in inference mode, no graph; the training flag is restored) and
// returns the table. Rows: a Sequential is expanded into its children, applied one by one so each row
// has its output shape; a module with exactly one child and no parameters or buffers of its own (a
// wrapper such as the DCGANs' "main") is expanded into that child; any other module (a layer, or a
// composite such as a U-Net or SpectralNormalization(Conv2D)) is one row with its own output shape,
// followed, for a composite, by indented rows for its masked layers (their output shapes shown as "-").
// Columns: dotted name, type (Activation shows its function), output shape, parameters, %usage.
// Ends with the totals and the overall %usage of weight_usage().
std::string summary(Module& model, const Tensor& example_input);

}  // namespace murine
