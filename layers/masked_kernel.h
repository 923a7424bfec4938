// MaskedKernel: the connection-window part of a masked layer (mDense, SzDense, mConv2D, SzConv2D,
// mConv2DTranspose). It holds the WindowSpec, builds the window once (or takes a given one), keeps its
// figures, and applies it to the weight, at construction (w_corr) and in every forward pass. It also
// plans the window-aware products (autograd/windowed_gemm.h) and says whether the layer runs them.
#pragma once
#include <memory>
#include <string>

#include "autograd/window_blocks.h"
#include "layers/window.h"

namespace murine {

// Which products the masked layers run: Auto (the window-aware ones where the cost estimate of
// plan_window says they are clearly cheaper, on the CPU), or all Dense or all Window (both give the
// same values; for tests and `murine bench layer`). Process-wide, Auto by default.
enum class WindowPath { Auto, Dense, Window };
void set_window_path(WindowPath path);
WindowPath window_path();

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

  // After load_state_dict wrote new values into the window: keeps the figures and the plan true to them.
  void window_loaded();

  // The window's blocks when the layer's products on `device` take the window-aware path
  // (window_path() and the plan), else null: the dense products.
  std::shared_ptr<const WindowBlocks> blocks(Device device) const;
  // The cost estimate and the cheapest blocking found for this window.
  const WindowPlan& plan() const { return *plan_; }
  // The fraction of the dense products' multiply-adds the layer's products perform on `device`.
  double mac_fraction(Device device) const;

 private:
  WindowSpec spec_;
  Shape weight_shape_;
  std::string layer_;
  Tensor window_;
  WindowStats stats_;
  bool given_;
  std::shared_ptr<const WindowPlan> plan_;
  std::shared_ptr<const WindowBlocks> blocks_;  // plan_->blocks, shared with the ops that use it

  void make_plan();
};

}  // namespace murine
