// The three trainable models behind one interface (see trainable.h).
#include "models/trainable.h"

#include <cmath>
#include <sstream>
#include <type_traits>
#include <vector>

#include "autograd/ops.h"
#include "io/json_field.h"
#include "io/json_limits.h"
#include "models/dcgan_keras.h"
#include "models/dcgan_torch.h"
#include "models/ddim.h"
#include "models/summary.h"
#include "tensor/error.h"

namespace murine {

const StateDict& checkpoint_part(const StateParts& parts, const std::string& name) {
  auto it = parts.find(name);
  if (it != parts.end()) return it->second;
  std::string have;
  for (const auto& [part, state] : parts) have += (have.empty() ? "" : ", ") + part;
  throw Error("checkpoint has no part '" + name + "' (it has: " + (have.empty() ? "none" : have) + ")");
}


using json = nlohmann::json;

json ModelConfig::to_json() const {
  return {{"model", model}, {"image_size", image_size}, {"window2d_width", window2d_width},
          {"standard", standard}, {"lr", lr}, {"latent", latent}, {"ngf", ngf}, {"ndf", ndf},
          {"width_scale", width_scale}, {"widths", widths}, {"block_depth", block_depth},
          {"attention_resolution", attention_resolution}, {"sampling_steps", sampling_steps}, {"ema", ema}};
}

namespace {

template <typename T>
void read_key(const json& j, const char* key, T& value) {
  read_json_field(j, key, value, "model config");
}

std::string radius_str(const ModelConfig& c) {
  if (c.standard) return "standard";
  std::ostringstream s;
  s << "r=" << c.window2d_width;
  return s.str();
}

// ---- the two DCGANs: the same parts, networks and step; they differ in sizes, latent shape and range ----
template <typename Gan>
class TrainableGan : public Trainable {
 public:
  TrainableGan(const ModelConfig& c, Gan gan) : config_(c), gan_(std::move(gan)) {}

  std::vector<std::string> loss_names() const override { return {"d_loss", "g_loss"}; }
  std::vector<double> train_step(const Tensor& real, Generator& gen) override {
    GanLosses l = gan_.train_step(real, gen);
    return {l.d_loss, l.g_loss};
  }
  // The generator in inference mode (the notebook's netG.eval(); the Keras script's generator(z)).
  Tensor sample(int64_t n, Generator& gen, int64_t) override {
    MURINE_CHECK(n > 0, "sample: n must be positive, got " << n);
    NoGradGuard no_grad;
    Tensor z = randn(latent_shape(n), gen, gan_.generator->device());
    bool was_training = gan_.generator->training();
    gan_.generator->eval();
    Tensor fake = gan_.generator->forward(z);
    gan_.generator->train(was_training);
    return pixel_range() == PixelRange::MinusOneOne ? clip(mul(add(fake, 1.0f), 0.5f), 0.0f, 1.0f) : fake;
  }
  StateParts state_parts() const override {
    return {{"generator", gan_.generator->state_dict()}, {"discriminator", gan_.discriminator->state_dict()},
            {"optimizer_g", gan_.optimizer_g.state_dict()}, {"optimizer_d", gan_.optimizer_d.state_dict()}};
  }
  // The optimizers' parts are optional (a file holding only the networks samples fine).
  void load_state_parts(const StateParts& p) override {
    gan_.generator->load_state_dict(checkpoint_part(p, "generator"));
    gan_.discriminator->load_state_dict(checkpoint_part(p, "discriminator"));
    if (p.count("optimizer_g")) gan_.optimizer_g.load_state_dict(p.at("optimizer_g"));
    if (p.count("optimizer_d")) gan_.optimizer_d.load_state_dict(p.at("optimizer_d"));
  }
  std::vector<std::pair<std::string, Module*>> networks() override {
    return {{"generator", gan_.generator.get()}, {"discriminator", gan_.discriminator.get()}};
  }
  const ModelConfig& config() const override { return config_; }
  std::string summary_text() override {
    const int64_t S = config_.image_size;
    return "generator\n" + summary(*gan_.generator, zeros(latent_shape(1), gan_.generator->device())) +
           "\ndiscriminator\n" + summary(*gan_.discriminator, zeros({1, 3, S, S}, gan_.discriminator->device()));
  }

 protected:
  virtual Shape latent_shape(int64_t n) const = 0;
  ModelConfig config_;
  Gan gan_;
};

// The PyTorch-flavour DCGAN: images in [-1, 1], latent (N, latent, 1, 1).
class TrainableDcganTorch : public TrainableGan<DcganTorch> {
 public:
  explicit TrainableDcganTorch(const ModelConfig& c)
      : TrainableGan(c, DcganTorch(options(c), c.lr > 0 ? c.lr : 2e-4)) {}

  static DcganTorchOptions options(const ModelConfig& c) {
    DcganTorchOptions o;
    o.latent = c.latent, o.ngf = c.ngf, o.ndf = c.ndf, o.image_size = c.image_size;
    o.window2d_width = c.window2d_width, o.standard = c.standard;
    return o;
  }
  std::string architecture() const override {
    std::ostringstream s;
    s << "dcgan_torch latent=" << config_.latent << " ngf=" << config_.ngf << " ndf=" << config_.ndf
      << " image=" << config_.image_size << " " << radius_str(config_);
    return s.str();
  }
  PixelRange pixel_range() const override { return PixelRange::MinusOneOne; }

 protected:
  Shape latent_shape(int64_t n) const override { return {n, config_.latent, 1, 1}; }
};

// The Keras-flavour DCGAN: images in [0, 1], latent (N, latent).
class TrainableDcganKeras : public TrainableGan<DcganKeras> {
 public:
  explicit TrainableDcganKeras(const ModelConfig& c)
      : TrainableGan(c, DcganKeras(options(c), c.lr > 0 ? c.lr : 1e-4)) {}

  static DcganKerasOptions options(const ModelConfig& c) {
    DcganKerasOptions o;
    o.latent = c.latent, o.image_size = c.image_size, o.width_scale = c.width_scale;
    o.window2d_width = c.window2d_width, o.standard = c.standard;
    return o;
  }
  std::string architecture() const override {
    std::ostringstream s;
    s << "dcgan_keras latent=" << config_.latent << " width_scale=" << config_.width_scale
      << " image=" << config_.image_size << " " << radius_str(config_);
    return s.str();
  }
  PixelRange pixel_range() const override { return PixelRange::ZeroOne; }

 protected:
  Shape latent_shape(int64_t n) const override { return {n, config_.latent}; }
};

// ---- the DDIM (images in [0, 1]) ----
class TrainableDdim : public Trainable {
 public:
  explicit TrainableDdim(const ModelConfig& c) : config_(c), ddim_(options(c)) {}

  static DdimOptions options(const ModelConfig& c) {
    DdimOptions o;
    o.image_size = c.image_size;
    o.widths = c.widths;
    o.block_depth = c.block_depth;
    o.window2d_width = c.window2d_width;
    if (c.standard) o.window2d_width = kStandardRadius;  // every stage a Conv2D
    o.attention_resolution = c.attention_resolution >= 0 ? c.attention_resolution : c.image_size / 4;
    if (c.lr > 0) o.learning_rate = c.lr;
    o.ema = c.ema;
    return o;
  }
  std::string architecture() const override {
    std::ostringstream s;
    s << "ddim image=" << config_.image_size << " widths=";
    for (size_t i = 0; i < config_.widths.size(); ++i) s << (i ? "," : "") << config_.widths[i];
    s << " depth=" << config_.block_depth << " attention=" << ddim_.options().attention_resolution << " "
      << radius_str(config_);
    return s.str();
  }
  PixelRange pixel_range() const override { return PixelRange::ZeroOne; }
  std::vector<std::string> loss_names() const override { return {"n_loss", "i_loss"}; }
  void prepare(const Tensor& images) override { ddim_.adapt(images); }
  std::vector<double> train_step(const Tensor& real, Generator& gen) override {
    double n_loss = ddim_.train_step(real, gen);
    return {n_loss, ddim_.image_loss()};
  }
  Tensor sample(int64_t n, Generator& gen, int64_t steps) override {
    return ddim_.sample(n, steps > 0 ? steps : config_.sampling_steps, gen);
  }
  StateParts state_parts() const override { return ddim_.state_parts(); }
  void load_state_parts(const StateParts& p) override {
    StateParts full = p;
    if (!full.count("optimizer")) full["optimizer"] = ddim_.optimizer().state_dict();  // sampling-only files
    ddim_.load_state_parts(full);
  }
  std::vector<std::pair<std::string, Module*>> networks() override {
    return {{"network", &ddim_.network()}};
  }
  std::vector<Module*> modules() override { return {&ddim_.network(), &ddim_.ema_network(), &ddim_.normalizer()}; }
  const ModelConfig& config() const override { return config_; }
  std::string summary_text() override {
    DdimNetwork& net = ddim_.network();
    const int64_t S = config_.image_size;
    return "network\n" + summary(net, [&] {
             return net(zeros({1, 3, S, S}, net.device()), full({1, 1, 1, 1}, 0.5f, net.device()));
           });
  }

 private:
  ModelConfig config_;
  Ddim ddim_;
};

}  // namespace

std::map<std::string, Generator> Trainable::streams() {
  std::map<std::string, Generator> out;
  for (auto& [net_name, net] : networks())
    for (auto& [name, g] : net->named_random_streams()) out[net_name + "." + name] = *g;
  return out;
}

void Trainable::load_streams(const std::map<std::string, Generator>& saved) {
  for (auto& [net_name, net] : networks())
    for (auto& [name, g] : net->named_random_streams()) {
      auto it = saved.find(net_name + "." + name);
      if (it != saved.end()) *g = it->second;
    }
}

ModelConfig ModelConfig::from_json(const json& j) {
  MURINE_CHECK(j.is_object(), "model config: expected a JSON object, got " << json_excerpt(j));
  ModelConfig c;
  read_key(j, "model", c.model);
  read_key(j, "image_size", c.image_size);
  read_key(j, "window2d_width", c.window2d_width);
  read_key(j, "standard", c.standard);
  read_key(j, "lr", c.lr);
  read_key(j, "latent", c.latent);
  read_key(j, "ngf", c.ngf);
  read_key(j, "ndf", c.ndf);
  read_key(j, "width_scale", c.width_scale);
  read_key(j, "widths", c.widths);
  read_key(j, "block_depth", c.block_depth);
  read_key(j, "attention_resolution", c.attention_resolution);
  read_key(j, "sampling_steps", c.sampling_steps);
  read_key(j, "ema", c.ema);
  return c;
}

// Sizes from a command line or a file are bounded before anything is allocated: far above every model
// of the reference scripts (widths up to 1024, 64×64 images, 1000 diffusion steps), far below what
// would exhaust memory in the constructors.
constexpr int64_t kMaxWidth = 8192, kMaxImageSize = 1024, kMaxWidths = 8, kMaxBlockDepth = 16,
                  kMaxSamplingSteps = 10000;

void check_bounded(const char* key, int64_t value, int64_t lo, int64_t hi) {
  MURINE_CHECK(value >= lo && value <= hi, "model config: " << key << " = " << value << " is outside [" << lo << ", "
                                                            << hi << "]");
}

std::unique_ptr<Trainable> make_trainable(const ModelConfig& c) {
  MURINE_CHECK(std::isfinite(c.window2d_width) && c.window2d_width > 0,
               "model: window2d_width (r) must be positive, got " << c.window2d_width);
  MURINE_CHECK(std::isfinite(c.lr) && c.lr >= 0, "model: lr must be positive (or 0 for the model's default), got " << c.lr);
  MURINE_CHECK(c.sampling_steps > 0, "model: sampling_steps must be positive, got " << c.sampling_steps);
  check_bounded("image_size", c.image_size, 1, kMaxImageSize);
  check_bounded("latent", c.latent, 1, kMaxWidth);
  check_bounded("ngf", c.ngf, 1, kMaxWidth);
  check_bounded("ndf", c.ndf, 1, kMaxWidth);
  check_bounded("block_depth", c.block_depth, 1, kMaxBlockDepth);
  check_bounded("sampling_steps", c.sampling_steps, 1, kMaxSamplingSteps);
  MURINE_CHECK(std::isfinite(c.width_scale) && c.width_scale > 0 && c.width_scale <= 8,
               "model config: width_scale = " << c.width_scale << " is outside (0, 8]");
  MURINE_CHECK(std::isfinite(c.ema) && c.ema >= 0 && c.ema <= 1, "model config: ema = " << c.ema << " is outside [0, 1]");
  MURINE_CHECK(!c.widths.empty() && (int64_t)c.widths.size() <= kMaxWidths,
               "model config: widths has " << c.widths.size() << " entries (1 to " << kMaxWidths << ")");
  for (int64_t w : c.widths) check_bounded("an entry of widths", w, 1, kMaxWidth);
  if (c.model == "dcgan_torch") return std::make_unique<TrainableDcganTorch>(c);
  if (c.model == "dcgan_keras") return std::make_unique<TrainableDcganKeras>(c);
  if (c.model == "ddim") return std::make_unique<TrainableDdim>(c);
  throw Error("model: unknown model '" + c.model + "' (dcgan_torch, dcgan_keras or ddim)");
}

}  // namespace murine
