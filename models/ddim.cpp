// DdimNetwork and the diffusion model Ddim.
#include "models/ddim.h"

#include <cmath>

#include "autograd/node.h"
#include "layers/losses.h"
#include "tensor/error.h"

namespace murine {

// ---- options ----

static void check_options(const DdimOptions& o) {
  const size_t L = o.widths.size();
  MURINE_CHECK(L >= 2, "Ddim: widths needs at least two entries (a down stage and the middle), got " << L);
  MURINE_CHECK(o.block_depth > 0, "Ddim: block_depth must be positive, got " << o.block_depth);
  MURINE_CHECK(o.groups > 0, "Ddim: groups must be positive, got " << o.groups);
  for (int64_t w : o.widths)
    MURINE_CHECK(w > 0 && w % o.groups == 0,
                 "Ddim: every width must be positive and divisible by groups " << o.groups << ", got " << w);
  MURINE_CHECK(o.embedding_dims >= 4 && o.embedding_dims % 2 == 0 && (o.widths[0] + o.embedding_dims) % o.groups == 0,
               "Ddim: embedding_dims must be even, >= 4, and widths[0] + embedding_dims must be divisible by groups "
                   << o.groups << ", got " << o.embedding_dims);
  const int64_t scale = int64_t{1} << (L - 1);
  MURINE_CHECK(o.image_size > 0 && o.image_size % scale == 0,
               "Ddim: image_size " << o.image_size << " must be a positive multiple of " << scale << " (2^"
                                   << (L - 1) << " for " << L << " widths)");
  MURINE_CHECK(o.resolved_down_radii().size() == L,
               "Ddim: down_radii needs " << L << " entries (one per down stage, then the middle), got "
                                         << o.down_radii.size());
  MURINE_CHECK(o.resolved_up_radii().size() >= L - 1,
               "Ddim: up_radii needs at least " << L - 1 << " entries (one per up stage), got " << o.up_radii.size());
  for (double r : o.resolved_down_radii())
    MURINE_CHECK(std::isfinite(r) && r > 0, "Ddim: window radii must be positive, got " << r);
  for (double r : o.resolved_up_radii())
    MURINE_CHECK(std::isfinite(r) && r > 0, "Ddim: window radii must be positive, got " << r);
  MURINE_CHECK(o.dropout >= 0 && o.dropout < 1, "Ddim: dropout must be in [0, 1), got " << o.dropout);
  MURINE_CHECK(o.min_signal_rate > 0 && o.min_signal_rate < o.max_signal_rate && o.max_signal_rate <= 1,
               "Ddim: need 0 < min_signal_rate < max_signal_rate <= 1, got " << o.min_signal_rate << " and "
                                                                           << o.max_signal_rate);
}

std::vector<double> DdimOptions::resolved_down_radii() const {
  if (!down_radii.empty()) return down_radii;
  const size_t L = widths.size();
  std::vector<double> r(L, kStandardRadius);
  for (size_t i = L >= 2 ? L - 2 : 0; i < L; ++i) r[i] = window2d_width;
  return r;
}

std::vector<double> DdimOptions::resolved_up_radii() const {
  if (!up_radii.empty()) return up_radii;
  const size_t L = widths.size();
  std::vector<double> r(L, kStandardRadius);
  for (size_t i = 0; i < std::min<size_t>(2, L); ++i) r[i] = window2d_width;
  return r;
}

// ---- DdimNetwork ----

DdimNetwork::DdimNetwork(DdimOptions options) : options_(std::move(options)) {
  const DdimOptions& o = options_;
  check_options(o);
  const std::vector<double> down_r = o.resolved_down_radii(), up_r = o.resolved_up_radii();
  const size_t L = o.widths.size();

  Conv2DOptions s;
  s.in_channels = 3;
  s.filters = o.widths[0];
  s.kernel_size = 1;
  stem = register_module("stem", std::make_shared<Conv2D>(s));

  int64_t channels = o.widths[0] + o.embedding_dims;  // after concatenating the embedding
  int64_t resolution = o.image_size;
  std::vector<int64_t> skip_channels;  // a stack, as the reference scripts' skips list
  for (size_t i = 0; i + 1 < L; ++i) {
    UNetStageOptions st{channels, o.widths[i], o.block_depth, resolution, o.attention_resolution,
                        down_r[i],  o.groups,    o.dropout};
    down.push_back(register_module("down" + std::to_string(i), std::make_shared<DownBlock>(st)));
    for (int64_t d = 0; d < o.block_depth; ++d) skip_channels.push_back(o.widths[i]);
    channels = o.widths[i];
    resolution /= 2;
  }

  for (int64_t i = 0; i < o.block_depth; ++i) {
    ResidualBlockOptions r;
    r.in_channels = channels;
    r.width = o.widths.back();
    r.window2d_width = down_r.back();
    r.groups = o.groups;
    r.dropout = o.dropout;
    middle.push_back(register_module("middle" + std::to_string(i), std::make_shared<ResidualBlock>(r)));
    channels = o.widths.back();
    // The reference script: attention after each middle block but the last, when the map is at the attention resolution.
    std::shared_ptr<AttentionBlock> a;
    if (resolution == o.attention_resolution && i != o.block_depth - 1)
      a = register_module("middle_attn" + std::to_string(i), std::make_shared<AttentionBlock>(channels, o.groups));
    middle_attention.push_back(a);
  }

  for (size_t i = 0; i + 1 < L; ++i) {
    const int64_t width = o.widths[L - 2 - i];
    resolution *= 2;
    std::vector<int64_t> popped;
    for (int64_t d = 0; d < o.block_depth; ++d) {
      popped.push_back(skip_channels.back());
      skip_channels.pop_back();
    }
    UNetStageOptions st{channels, width, o.block_depth, resolution, o.attention_resolution,
                        up_r[i],  o.groups, o.dropout};
    up.push_back(register_module("up" + std::to_string(i), std::make_shared<UpBlock>(st, popped)));
    channels = width;
  }

  Conv2DOptions out;
  out.in_channels = channels;
  out.filters = 3;
  out.kernel_size = 1;
  out.kernel_initializer = Initializer::zeros();  // the reference script: kernel_initializer="zeros"
  output = register_module("output", std::make_shared<Conv2D>(out));
}

Tensor DdimNetwork::forward(const Tensor& x) {
  throw Error("DdimNetwork: takes (noisy_images, noise_variances), call forward(images, variances); got one tensor " +
              shape_str(x.shape()));
}

// images (N, 3, S, S), variances (N, 1, 1, 1) → predicted noise (N, 3, S, S)
Tensor DdimNetwork::forward(const Tensor& noisy_images, const Tensor& noise_variances) {
  const int64_t S = options_.image_size;
  MURINE_CHECK(noisy_images.rank() == 4 && noisy_images.size(1) == 3 && noisy_images.size(2) == S &&
                   noisy_images.size(3) == S,
               "DdimNetwork: noisy_images must be (N, 3, " << S << ", " << S << "), got "
                                                           << shape_str(noisy_images.shape()));
  const int64_t N = noisy_images.size(0);
  MURINE_CHECK(noise_variances.shape() == Shape({N, 1, 1, 1}),
               "DdimNetwork: noise_variances must be (" << N << ", 1, 1, 1), got "
                                                        << shape_str(noise_variances.shape()));
  // Nearest upsampling of a 1×1 map by S is a broadcast over the S×S positions.
  Tensor e = sinusoidal_embedding(noise_variances, options_.embedding_dims, options_.embedding_max_frequency);
  e = broadcast_to(e, {N, options_.embedding_dims, S, S});
  Tensor x = concat({stem->forward(noisy_images), e}, 1);

  std::vector<Tensor> skips;
  for (auto& block : down) x = block->forward(x, skips);
  for (size_t i = 0; i < middle.size(); ++i) {
    x = middle[i]->forward(x);
    if (middle_attention[i]) x = middle_attention[i]->forward(x);
  }
  for (auto& block : up) x = block->forward(x, skips);
  return output->forward(x);
}

// ---- Ddim ----

Ddim::Ddim(DdimOptions options) : options_(std::move(options)) {
  check_options(options_);
  MURINE_CHECK(options_.ema >= 0 && options_.ema <= 1, "Ddim: ema must be in [0, 1], got " << options_.ema);
  MURINE_CHECK(options_.learning_rate > 0, "Ddim: learning_rate must be positive, got " << options_.learning_rate);
  network_ = std::make_shared<DdimNetwork>(options_);
  // The reference script builds a second network and sets its weights to the first's.
  ema_network_ = std::make_shared<DdimNetwork>(options_);
  ema_ = std::make_unique<ExponentialMovingAverage>(*network_, options_.ema);
  ema_->copy_to(*ema_network_);
  ema_network_->eval();
  normalizer_ = std::make_shared<Normalization>();
  optimizer_ = std::make_unique<Adam>(Adam::keras(network_->parameters(), options_.learning_rate));
}

DdimNetwork& Ddim::ema_network() {
  if (ema_network_stale_) {
    ema_->copy_to(*ema_network_);
    ema_network_stale_ = false;
  }
  return *ema_network_;
}

std::map<std::string, std::map<std::string, Tensor>> Ddim::state_parts() const {
  return {{"network", network_->state_dict()},
          {"ema", ema_->state_dict()},
          {"normalizer", normalizer_->state_dict()},
          {"optimizer", optimizer_->state_dict()}};
}

void Ddim::load_state_parts(const std::map<std::string, std::map<std::string, Tensor>>& parts) {
  for (const char* name : {"network", "ema", "normalizer", "optimizer"})
    MURINE_CHECK(parts.count(name), "Ddim::load_state_parts: missing part '" << name << "'");
  network_->load_state_dict(parts.at("network"));
  ema_->load_state_dict(parts.at("ema"));
  const auto& norm = parts.at("normalizer");
  if (!normalizer_->built() && norm.count("mean")) normalizer_->build(norm.at("mean").numel());
  normalizer_->load_state_dict(norm);
  optimizer_->load_state_dict(parts.at("optimizer"));
  ema_network_stale_ = true;
}

void Ddim::adapt(const Tensor& images) { normalizer_->adapt(images); }
void Ddim::adapt(const std::vector<Tensor>& batches) { normalizer_->adapt(batches); }

// [diffusion schedule] angle = acos(max_signal) + t·(acos(min_signal) − acos(max_signal)); signal = cos(angle), noise = sin(angle)
// t: any shape → two tensors of t's shape, float32 arithmetic as the reference; no graph (t is never trained).
DiffusionRates Ddim::diffusion_schedule(const Tensor& diffusion_times) const {
  const float start_angle = (float)std::acos(options_.max_signal_rate);
  const float end_angle = (float)std::acos(options_.min_signal_rate);
  std::vector<float> t = diffusion_times.to_vector(), noise(t.size()), signal(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    float angle = start_angle + t[i] * (end_angle - start_angle);
    signal[i] = std::cos(angle);
    noise[i] = std::sin(angle);
  }
  return {from_vector(noise, diffusion_times.shape(), diffusion_times.device()),
          from_vector(signal, diffusion_times.shape(), diffusion_times.device())};
}

// [denoise] ε̂ = net(x_t, n²);  x̂0 = (x_t − n·ε̂) / s
std::pair<Tensor, Tensor> Ddim::denoise(const Tensor& noisy_images, const Tensor& noise_rates,
                                        const Tensor& signal_rates, bool training) {
  DdimNetwork& net = training ? network() : ema_network();
  net.train(training);
  Tensor pred_noises = net(noisy_images, mul(noise_rates, noise_rates));
  Tensor pred_images = div(sub(noisy_images, mul(noise_rates, pred_noises)), signal_rates);
  return {pred_noises, pred_images};
}

// x0 = normalize(images); x_t = s·x0 + n·ε; L = mean (ε − ε̂)²; Adam step; EMA s ← d·s + (1 − d)·w
float Ddim::train_step(const Tensor& images, Generator& gen) {
  const int64_t S = options_.image_size;
  MURINE_CHECK(images.rank() == 4 && images.size(0) > 0 && images.size(1) == 3 && images.size(2) == S &&
                   images.size(3) == S,
               "Ddim::train_step: images must be (N, 3, " << S << ", " << S << ") with N > 0, got "
                                                          << shape_str(images.shape()));
  const int64_t N = images.size(0);
  Tensor x0, noises, noisy;
  DiffusionRates rates;
  {
    NoGradGuard no_grad;
    x0 = normalizer_->forward(images.detach());
    noises = randn({N, 3, S, S}, gen, images.device());         // the reference script draws the noise first,
    Tensor times = rand({N, 1, 1, 1}, gen, images.device());   // then the times
    rates = diffusion_schedule(times);
    // [diffusion forward] x_t = s·x0 + n·ε, ε ~ N(0, I); the loss is MSE(ε, ε̂)
    noisy = add(mul(rates.signal_rates, x0), mul(rates.noise_rates, noises));
  }
  optimizer_->zero_grad();
  auto [pred_noises, pred_images] = denoise(noisy, rates.noise_rates, rates.signal_rates, /*training=*/true);
  Tensor noise_loss = mse(noises, pred_noises);
  noise_loss.backward();
  optimizer_->step();
  optimizer_->zero_grad();
  ema_->update();
  ema_network_stale_ = true;
  {
    NoGradGuard no_grad;
    image_loss_ = mse(x0, pred_images.detach()).item();
  }
  return noise_loss.item();
}

// for k = 0 … steps−1:  t = 1 − k/steps;  (ε̂, x̂0) = denoise(x, n(t), s(t));  x ← s(t − 1/steps)·x̂0 + n(t − 1/steps)·ε̂
// initial_noise (N, 3, S, S) → x̂0 of the last step (N, 3, S, S), normalised space
Tensor Ddim::reverse_diffusion(const Tensor& initial_noise, int64_t steps) {
  MURINE_CHECK(steps > 0, "Ddim::reverse_diffusion: steps must be positive, got " << steps);
  NoGradGuard no_grad;
  const int64_t N = initial_noise.size(0);
  const float step_size = 1.0f / (float)steps;
  Tensor next_noisy = initial_noise, pred_images;
  for (int64_t k = 0; k < steps; ++k) {
    Tensor noisy = next_noisy;
    Tensor times = full({N, 1, 1, 1}, 1.0f - (float)k * step_size, initial_noise.device());
    DiffusionRates rates = diffusion_schedule(times);
    auto [pred_noises, images] = denoise(noisy, rates.noise_rates, rates.signal_rates, /*training=*/false);
    pred_images = images;
    DiffusionRates next = diffusion_schedule(times - step_size);
    // [ddim step] x_{t−Δ} = s(t−Δ)·x̂0 + n(t−Δ)·ε̂ (deterministic DDIM, η = 0)
    next_noisy = add(mul(next.signal_rates, pred_images), mul(next.noise_rates, pred_noises));
  }
  return pred_images;
}

// mean_c + x·√variance_c, clipped to [0, 1]
Tensor Ddim::denormalize(const Tensor& images) const {
  MURINE_CHECK(normalizer_->built(), "Ddim::denormalize: the normalizer has no statistics; call adapt() first");
  NoGradGuard no_grad;
  const int64_t C = normalizer_->mean.numel();
  Tensor mean = reshape(normalizer_->mean, {1, C, 1, 1});
  Tensor stddev = sqrt(reshape(normalizer_->variance, {1, C, 1, 1}));
  return clip(add(mean, mul(images, stddev)), 0.0f, 1.0f);
}

Tensor Ddim::sample(int64_t n, int64_t steps, Generator& gen) {
  MURINE_CHECK(n > 0, "Ddim::sample: n must be positive, got " << n);
  const int64_t S = options_.image_size;
  Tensor noise = randn({n, 3, S, S}, gen, network_->device());
  return denormalize(reverse_diffusion(noise, steps));
}

}  // namespace murine
