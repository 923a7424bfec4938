// summary(): a Keras-style table of a model's layers (type, output shape, parameters, %usage of the masked
// ones) and the network's overall weight usage; weight_usage() gives the same figures as numbers.
//
// Definition of the overall %usage (the paper's "44 %" for the DDIM) — the one murine uses everywhere:
//   usage = 100 · Σ_layers kept / Σ_layers weights
// over the KERNELS of every Dense, Conv2D and Conv2DTranspose in the model (their `weight`; the attention
// blocks' 1×1 convolutions and spectral-normalised kernels included), where a layer without a window keeps
// all its weights and a masked layer (mDense, mConv2D, SzConv2D, mConv2DTranspose, …) keeps num_ones of
// its window_stats() (taps included, as the reference's num_weights / num_ones). Biases, BatchNorm /
// GroupNorm γ and β and buffers are not weights: they have no connection a window could remove. In words:
// the fraction of the model's connections that exist. The reference scripts' DDIM at r = 0.4 gives 43.969… %
// (counting biases and γ, β as kept weights too would give 44.005 %: the same "44 %").
// masked_usage is the same ratio over the masked layers' kernels alone (the reference's per-layer
// "param %usage", pooled: 100 · Σ num_ones / Σ num_weights; 34.570… % for the reference scripts' DDIM).
#pragma once
#include <functional>
#include <string>

#include "layers/module.h"

namespace murine {

struct WeightUsage {
  int64_t weights = 0;           // entries of every Dense / Conv2D / Conv2DTranspose kernel
  double kept = 0.0;             // weights minus the masked-out entries
  int64_t masked_weights = 0;    // Σ num_weights over masked layers
  double masked_ones = 0.0;      // Σ num_ones over masked layers
  double usage_percent = 100.0;  // 100 · kept / weights (100 when there are none)
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

// For a model whose forward takes more than one input (the DDIM's U-Net): `run` applies the model (called
// in inference mode, no graph); one row per direct child with its parameters and the pooled %usage of its
// masked layers (output shapes are not traced inside), the output's shape, then the same totals.
std::string summary(Module& model, const std::function<Tensor()>& run);

}  // namespace murine
