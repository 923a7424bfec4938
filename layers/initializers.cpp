// Weight initialisers.
#include "layers/initializers.h"

#include <cmath>

#include "tensor/error.h"

namespace murine {

Fans compute_fans(const Shape& shape) {
  if (shape.empty()) return {1, 1};
  if (shape.size() == 1) return {(double)shape[0], (double)shape[0]};
  double receptive = 1;
  for (size_t i = 2; i < shape.size(); ++i) receptive *= (double)shape[i];
  return {(double)shape[1] * receptive, (double)shape[0] * receptive};
}

Initializer Initializer::by_name(const std::string& name, const std::string& layer) {
  if (name == "zeros") return zeros();
  if (name == "ones") return ones();
  if (name == "glorot_uniform") return glorot_uniform();
  if (name == "he_normal") return he_normal();
  if (name == "torch_default") return torch_default();
  throw Error(layer + ": unknown initializer '" + name +
              "' (known: zeros, ones, glorot_uniform, he_normal, torch_default; others via Initializer::…)");
}

std::string Initializer::name() const {
  switch (kind) {
    case Kind::Zeros: return "zeros";
    case Kind::Ones: return "ones";
    case Kind::Constant: return "constant";
    case Kind::Normal: return "normal";
    case Kind::Uniform: return "uniform";
    case Kind::VarianceScaling: return "variance_scaling(" + mode + ", " + distribution + ")";
    case Kind::TorchDefault: return "torch_default";
  }
  return "?";
}

namespace {

// u ∈ [0,1) → [lo, hi)
Tensor uniform_values(const Shape& shape, double lo, double hi, Generator& gen) {
  Tensor u = rand(shape, gen);
  float* p = u.data();
  for (int64_t i = 0; i < u.numel(); ++i) p[i] = (float)(lo + (hi - lo) * p[i]);
  return u;
}

// N(0, 1) restricted to |z| <= 2 by redrawing the rest (Keras' truncated normal).
Tensor truncated_normal(const Shape& shape, Generator& gen) {
  Tensor z = randn(shape, gen);
  float* p = z.data();
  for (int64_t i = 0; i < z.numel(); ++i)
    while (std::fabs(p[i]) > 2.0f) p[i] = randn({1}, gen).item();
  return z;
}

}  // namespace

Tensor initialize(const Initializer& init, const Shape& shape, Generator& gen, Device device) {
  Tensor out;
  Fans fans = compute_fans(shape);
  switch (init.kind) {
    case Initializer::Kind::Zeros: return zeros(shape, device);
    case Initializer::Kind::Ones: return ones(shape, device);
    case Initializer::Kind::Constant: return full(shape, (float)init.a, device);
    case Initializer::Kind::Normal:
      out = randn(shape, gen);
      {
        float* p = out.data();
        for (int64_t i = 0; i < out.numel(); ++i) p[i] = (float)(init.a + init.b * p[i]);
      }
      break;
    case Initializer::Kind::Uniform: out = uniform_values(shape, init.a, init.b, gen); break;
    case Initializer::Kind::TorchDefault: {
      // [kaiming_uniform a=√5] gain = √(2/(1+a²)) = √(1/3), bound = √3·gain/√fan_in = 1/√fan_in
      double bound = fans.fan_in > 0 ? 1.0 / std::sqrt(fans.fan_in) : 0.0;
      out = uniform_values(shape, -bound, bound, gen);
      break;
    }
    case Initializer::Kind::VarianceScaling: {
      // [variance scaling] n = fan_in | fan_out | (fan_in + fan_out)/2; uniform: ±√(3·scale/n);
      // truncated_normal: N(0, √(scale/n)/0.87962566103423978) cut at 2σ; untruncated: N(0, √(scale/n))
      double n = init.mode == "fan_in" ? fans.fan_in
                 : init.mode == "fan_out" ? fans.fan_out
                 : init.mode == "fan_avg" ? (fans.fan_in + fans.fan_out) / 2
                 : throw Error("initializer: unknown VarianceScaling mode '" + init.mode + "'");
      n = std::max(n, 1.0);
      if (init.distribution == "uniform") {
        double limit = std::sqrt(3.0 * init.scale / n);
        out = uniform_values(shape, -limit, limit, gen);
      } else if (init.distribution == "truncated_normal" || init.distribution == "untruncated_normal") {
        bool truncated = init.distribution == "truncated_normal";
        double stddev = std::sqrt(init.scale / n) / (truncated ? 0.87962566103423978 : 1.0);
        out = truncated ? truncated_normal(shape, gen) : randn(shape, gen);
        float* p = out.data();
        for (int64_t i = 0; i < out.numel(); ++i) p[i] = (float)(stddev * p[i]);
      } else {
        throw Error("initializer: unknown VarianceScaling distribution '" + init.distribution + "'");
      }
      break;
    }
  }
  return out.to(device);
}

Tensor torch_default_bias(int64_t size, double fan_in, Generator& gen, Device device) {
  double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
  return uniform_values({size}, -bound, bound, gen).to(device);
}

Tensor initial_bias(const Initializer& init, int64_t size, double weight_fan_in, Generator& gen, Device device) {
  if (init.kind == Initializer::Kind::TorchDefault) return torch_default_bias(size, weight_fan_in, gen, device);
  return initialize(init, {size}, gen, device);
}

}  // namespace murine
