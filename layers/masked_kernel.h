// MaskedKernel: the connection-window part of a masked layer (mDense, SzDense, mConv2D, SzConv2D,
// mConv2DTranspose). It holds the WindowSpec, builds the window once (or takes a given one), keeps its
// figures, and applies it to the weight, at construction (w_corr) and in every forward pass.
#pragma once
#include <string>

#include "layers/window.h"

namespace murine {

class MaskedKernel {
 public:
  // The window of `spec` for a weight of `weight_shape` (PyTorch layout), on `device`; `layer`
  // names the layer in errors. An empty spec.form must have been resolved by the layer.
  MaskedKernel(WindowSpec spec, const Shape& weight_shape, std::string layer, Device device);

  const WindowSpec& spec() const { return spec_; }
  // The window (a handle the layer registers as its buffer "window") and its figures.
  const Tensor& window() const { return window_; }
  const WindowStats& stats() const { return stats_; }
  // True when the window was given (spec.given / spec.given_npy) or loaded from a state that
  // differs from what the spec builds; its figures are then counted from its values.
  bool given() const { return given_; }

  // The initial weight from a freshly drawn one.
  Tensor initial_weight(const Tensor& drawn) const;
  // The weight the layer computes with.
  Tensor effective_weight(const Tensor& weight) const;

  // After load_state_dict wrote new values into the window: keeps the figures true to them.
  void window_loaded();

 private:
  WindowSpec spec_;
  Shape weight_shape_;
  std::string layer_;
  Tensor window_;
  WindowStats stats_;
  bool given_;
};

}  // namespace murine
