// Weight initialisers, Keras' and PyTorch's, for tensors in PyTorch layout: Linear (out, in), Conv
// (out, in/groups, kh, kw), ConvTranspose (in, out/groups, kh, kw). fan_in = shape[1]·kh·kw and
// fan_out = shape[0]·kh·kw, which is what both frameworks compute for these layouts.
#pragma once
#include <string>

#include "autograd/ops.h"

namespace murine {

struct Initializer {
  enum class Kind { Zeros, Ones, Constant, Normal, Uniform, VarianceScaling, TorchDefault };
  Kind kind = Kind::Zeros;
  double a = 0.0, b = 0.0;          // Constant: a; Normal: mean a, stddev b; Uniform: [a, b)
  double scale = 1.0;               // VarianceScaling
  std::string mode = "fan_avg";     // VarianceScaling: "fan_in" | "fan_out" | "fan_avg"
  std::string distribution = "uniform";  // "uniform" | "truncated_normal" | "untruncated_normal"

  static Initializer zeros() { return {Kind::Zeros}; }
  static Initializer ones() { return {Kind::Ones}; }
  static Initializer constant(double v) { return {Kind::Constant, v}; }
  static Initializer normal(double mean, double stddev) { return {Kind::Normal, mean, stddev}; }
  static Initializer uniform(double lo, double hi) { return {Kind::Uniform, lo, hi}; }
  static Initializer variance_scaling(double scale, std::string mode, std::string distribution) {
    return {Kind::VarianceScaling, 0, 0, scale, std::move(mode), std::move(distribution)};
  }
  // Keras' default kernel initialiser: VarianceScaling(1, fan_avg, uniform).
  static Initializer glorot_uniform() { return variance_scaling(1.0, "fan_avg", "uniform"); }
  // Keras' he_normal: VarianceScaling(2, fan_in, truncated_normal).
  static Initializer he_normal() { return variance_scaling(2.0, "fan_in", "truncated_normal"); }
  // PyTorch's default for Linear/Conv weights: kaiming_uniform(a = √5) = U(±1/√fan_in); for their
  // biases the same bound (torch_default_bias).
  static Initializer torch_default() { return {Kind::TorchDefault}; }
  static Initializer by_name(const std::string& name, const std::string& layer);
  std::string name() const;
};

struct Fans {
  double fan_in, fan_out;
};
Fans compute_fans(const Shape& shape);

// A fresh tensor of `shape` drawn from `gen` (values computed on the CPU, then moved to `device`).
Tensor initialize(const Initializer& init, const Shape& shape, Generator& gen, Device device = Device::CPU);
// PyTorch's bias rule for Linear/Conv: U(-1/√fan_in, 1/√fan_in) with the weight's fan_in.
Tensor torch_default_bias(int64_t size, double fan_in, Generator& gen, Device device = Device::CPU);
// A layer's initial bias of `size`: PyTorch's rule (with the weight's fan_in) for torch_default,
// else `init` itself.
Tensor initial_bias(const Initializer& init, int64_t size, double weight_fan_in, Generator& gen,
                    Device device = Device::CPU);

}  // namespace murine
