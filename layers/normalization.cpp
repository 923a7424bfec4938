// Normalization: adapt() over a data set, then (x − mean)/max(√variance, ε) or its inverse.
#include "layers/normalization.h"

#include <cmath>
#include <limits>

#include "tensor/error.h"

namespace murine {

Normalization::Normalization(NormalizationOptions options) : options_(std::move(options)) {
  const std::string layer = type_name();
  MURINE_CHECK(options_.epsilon > 0.0, layer << ": epsilon must be positive, got " << options_.epsilon);
  MURINE_CHECK(options_.in_channels >= 0, layer << ": in_channels must be >= 0, got " << options_.in_channels);
  MURINE_CHECK(options_.mean.empty() == options_.variance.empty(),
               layer << ": mean and variance must be given together, got " << options_.mean.size() << " mean and "
                     << options_.variance.size() << " variance values");
  MURINE_CHECK(options_.mean.size() == options_.variance.size(),
               layer << ": mean has " << options_.mean.size() << " values but variance has "
                     << options_.variance.size());
  for (double v : options_.variance)
    MURINE_CHECK(v >= 0.0, layer << ": variance must be >= 0, got " << v);
  const int64_t given = (int64_t)options_.mean.size();
  if (given > 1) {
    MURINE_CHECK(options_.in_channels == 0 || options_.in_channels == given,
                 layer << ": " << given << " mean/variance values for in_channels " << options_.in_channels);
    options_.in_channels = given;
  }
  if (options_.in_channels > 0) build(options_.in_channels);
}

void Normalization::build(int64_t in_channels) {
  const std::string layer = type_name();
  MURINE_CHECK(!built(), layer << ": already built");
  MURINE_CHECK(in_channels > 0, layer << ": in_channels must be positive, got " << in_channels);
  options_.in_channels = in_channels;
  std::vector<float> m(in_channels, std::numeric_limits<float>::quiet_NaN()), v = m;
  if (!options_.mean.empty()) {  // one value per channel, or one for all
    const bool all = options_.mean.size() == 1;
    MURINE_CHECK(all || (int64_t)options_.mean.size() == in_channels,
                 layer << ": " << options_.mean.size() << " mean/variance values for " << in_channels << " channels");
    for (int64_t c = 0; c < in_channels; ++c) {
      m[c] = (float)options_.mean[all ? 0 : c];
      v[c] = (float)options_.variance[all ? 0 : c];
    }
  }
  mean = register_buffer("mean", from_vector(m, {in_channels}).to(device()));
  variance = register_buffer("variance", from_vector(v, {in_channels}).to(device()));
}

void Normalization::check_input(const Tensor& x, const char* where) const {
  MURINE_CHECK(x.rank() >= 2, type_name() << ": " << where << " expects input (N, C) or (N, C, H, W), got "
                                          << shape_str(x.shape()));
  if (built())
    MURINE_CHECK(x.shape()[1] == options_.in_channels,
                 type_name() << ": " << where << " input " << shape_str(x.shape()) << " has " << x.shape()[1]
                             << " channels but the layer was built for " << options_.in_channels);
}

void Normalization::adapt(const Tensor& data) { adapt(std::vector<Tensor>{data}); }

void Normalization::adapt(const std::vector<Tensor>& batches) {
  const std::string layer = type_name();
  MURINE_CHECK(!batches.empty(), layer << ": adapt() needs at least one batch");
  for (const Tensor& b : batches) {
    MURINE_CHECK(b.defined(), layer << ": adapt() got an undefined batch");
    check_input(b, "adapt()");
    MURINE_CHECK(b.shape()[1] == batches[0].shape()[1],
                 layer << ": adapt() batches disagree on the channel count: " << shape_str(batches[0].shape())
                       << " and " << shape_str(b.shape()));
  }
  const int64_t channels = batches[0].shape()[1];

  // Running per-channel count n, mean μ and M2 = Σ (x − μ)², in double.
  std::vector<double> count(channels, 0.0), mu(channels, 0.0), m2(channels, 0.0);
  for (const Tensor& b : batches) {
    if (b.numel() == 0) continue;
    const std::vector<float> values = b.to_vector();
    const int64_t inner = b.numel() / (b.shape()[0] * channels);  // H·W (1 for (N, C))
    const int64_t per_channel = b.shape()[0] * inner;
    // This batch's per-channel mean and M2 (two passes).
    std::vector<double> b_mu(channels, 0.0), b_m2(channels, 0.0);
    for (int64_t i = 0; i < (int64_t)values.size(); ++i) b_mu[(i / inner) % channels] += values[i];
    for (double& s : b_mu) s /= (double)per_channel;
    for (int64_t i = 0; i < (int64_t)values.size(); ++i) {
      const double d = values[i] - b_mu[(i / inner) % channels];
      b_m2[(i / inner) % channels] += d * d;
    }
    // [adapt, Chan et al.] n = n_a + n_b,  δ = μ_b − μ_a,  μ = μ_a + δ·n_b/n,  M2 = M2_a + M2_b + δ²·n_a·n_b/n
    const double nb = (double)per_channel;
    for (int64_t c = 0; c < channels; ++c) {
      const double na = count[c], n = na + nb, delta = b_mu[c] - mu[c];
      mu[c] += delta * nb / n;
      m2[c] += b_m2[c] + delta * delta * na * nb / n;
      count[c] = n;
    }
  }
  MURINE_CHECK(count[0] > 0, layer << ": adapt() got only empty batches");

  // [adapt variance] σ² = M2 / n  (biased, as NumPy's and Keras' var)
  std::vector<float> m(channels), v(channels);
  for (int64_t c = 0; c < channels; ++c) {
    m[c] = (float)mu[c];
    v[c] = (float)(m2[c] / count[c]);
  }
  if (!built()) build(channels);
  set_buffer("mean", from_vector(m, {channels}));
  set_buffer("variance", from_vector(v, {channels}));
}

// x (N, C, …) → y of the same shape; mean and variance (C) broadcast as (1, C, 1, …).
Tensor Normalization::forward(const Tensor& x) {
  const std::string layer = type_name();
  check_input(x, "forward");
  if (!built() && !options_.mean.empty()) build(x.shape()[1]);  // one given value for every channel
  MURINE_CHECK(built(), layer << ": forward before adapt(): the statistics are unset (call adapt(), give mean "
                                 "and variance in the options, or load a state dict)");
  if (!checked_) {
    for (const Tensor& t : {mean, variance})
      for (float value : t.to_vector())
        MURINE_CHECK(!std::isnan(value), layer << ": forward before adapt(): the statistics are unset (call adapt(), "
                                                  "give mean and variance in the options, or load a state dict)");
    checked_ = true;
  }
  Shape per_channel(x.rank(), 1);  // (1, C, 1, …)
  per_channel[1] = options_.in_channels;
  Tensor mu = reshape(mean, per_channel);
  // [normalization] s = max(√σ², ε);  y = (x − μ)/s;  invert: y = μ + x·s
  Tensor scale = maximum(sqrt(reshape(variance, per_channel)), scalar((float)options_.epsilon, x.device()));
  return options_.invert ? add(mu, mul(x, scale)) : div(sub(x, mu), scale);
}

}  // namespace murine
