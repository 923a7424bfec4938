// The papers' classifiers (see classifier.h): one builder per reference script.
#include "models/classifier.h"

#include <sstream>

#include "io/json_field.h"
#include "layers/activation.h"
#include "layers/batch_normalization.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/pooling.h"
#include "layers/rescaling.h"
#include "layers/window.h"
#include "tensor/error.h"

namespace murine {

std::string ClassifierConfig::resolved_convention() const {
  if (!convention.empty()) return convention;
  return (model == "lenet" || (model == "mlp" && layer == "mouse")) ? "torch" : "keras";
}

std::vector<int64_t> ClassifierConfig::resolved_hidden() const {
  if (!hidden.empty()) return hidden;
  if (layer == "mouse") return {1024, 512};
  return {512};
}

void ClassifierConfig::check(const std::string& op) const {
  MURINE_CHECK(model == "mlp" || model == "cnn" || model == "lenet" || model == "vgg16",
               op << ": unknown model '" << model << "' (mlp, cnn, lenet or vgg16)");
  MURINE_CHECK(layer == "standard" || layer == "sz" || layer == "mouse",
               op << ": --layer must be standard, sz or mouse, got '" << layer << "'");
  MURINE_CHECK(convention.empty() || convention == "keras" || convention == "torch",
               op << ": convention must be keras or torch, got '" << convention << "'");
  MURINE_CHECK(param_reduction >= 0 && param_reduction < 1,
               op << ": --param-reduction must be in [0, 1), got " << param_reduction);
  MURINE_CHECK(window2d_width > 0, op << ": --window2d-width must be > 0, got " << window2d_width);
  MURINE_CHECK(channels > 0 && channels <= 64, op << ": channels must be in [1, 64], got " << channels);
  MURINE_CHECK(classes >= 2 && classes <= 1000, op << ": classes must be in [2, 1000], got " << classes);
  MURINE_CHECK(image_size > 0 && image_size <= 1024, op << ": image size must be in [1, 1024], got " << image_size);
  MURINE_CHECK(dropout < 1, op << ": dropout must be < 1, got " << dropout);
  for (int64_t h : resolved_hidden())
    MURINE_CHECK(h > 0 && h <= 65536, op << ": hidden widths must be in [1, 65536], got " << h);
  // The convolution stacks shrink the image: say which size is too small instead of failing in a layer.
  const int64_t min_size = model == "cnn" ? 10 : model == "lenet" ? 16 : model == "vgg16" ? 32 : 1;
  MURINE_CHECK(image_size >= min_size, op << ": model " << model << " needs images of at least " << min_size
                                          << "x" << min_size << ", got " << image_size);
}

std::string ClassifierConfig::architecture() const {
  std::ostringstream s;
  s << model << " " << layer << " in=" << channels << "x" << image_size << "x" << image_size << " classes=" << classes;
  if (model == "mlp") {
    s << " hidden=";
    const std::vector<int64_t> h = resolved_hidden();
    for (size_t i = 0; i < h.size(); ++i) s << (i ? "," : "") << h[i];
  }
  if (layer == "sz") s << " form=" << (form.empty() ? "default" : form) << " p=" << param_reduction;
  if (layer == "mouse") s << " form=" << (form.empty() ? "2d" : form) << " r=" << window2d_width;
  return s.str();
}

nlohmann::json ClassifierConfig::to_json() const {
  return {{"model", model},
          {"layer", layer},
          {"form", form},
          {"param_reduction", param_reduction},
          {"window2d_width", window2d_width},
          {"hidden", resolved_hidden()},
          {"dropout", dropout},
          {"channels", channels},
          {"image_size", image_size},
          {"classes", classes},
          {"convention", resolved_convention()},
          {"window_seed", window_seed}};
}

ClassifierConfig ClassifierConfig::from_json(const nlohmann::json& j) {
  MURINE_CHECK(j.is_object(), "ClassifierConfig: the model config must be a JSON object");
  ClassifierConfig c;
  auto get = [&](const char* key, auto& field) { read_json_field(j, key, field, "ClassifierConfig"); };
  get("model", c.model);
  get("layer", c.layer);
  get("form", c.form);
  get("param_reduction", c.param_reduction);
  get("window2d_width", c.window2d_width);
  get("hidden", c.hidden);
  MURINE_CHECK(c.hidden.size() <= 64, "ClassifierConfig: at most 64 hidden layers, got " << c.hidden.size());
  get("dropout", c.dropout);
  get("channels", c.channels);
  get("image_size", c.image_size);
  get("classes", c.classes);
  get("convention", c.convention);
  get("window_seed", c.window_seed);
  return c;
}

namespace {

// The layer factory of one model: knows the convention (initialisers) and which window a masked layer gets.
struct Builder {
  const ClassifierConfig& c;
  bool torch;

  explicit Builder(const ClassifierConfig& config) : c(config), torch(config.resolved_convention() == "torch") {}

  // Kernel initialiser of a hidden layer (the scripts' he_normal) or of the output layer (Keras' default).
  Initializer kernel_init(bool output) const {
    if (torch) return Initializer::torch_default();
    return output ? Initializer::glorot_uniform() : Initializer::he_normal();
  }
  Initializer bias_init() const { return torch ? Initializer::torch_default() : Initializer::zeros(); }

  WindowSpec sz_window(double p, const char* default_form) const {
    WindowSpec w;
    w.form = c.form.empty() ? default_form : c.form;
    w.param_reduction = p;
    w.seed = c.window_seed;
    return w;
  }
  WindowSpec mouse_window(int64_t input2d, int64_t output2d) const {
    WindowSpec w;
    w.form = c.form.empty() ? "2d" : c.form;
    w.input2d_width = input2d;
    w.output2d_width = output2d;
    w.window2d_width = c.window2d_width;
    w.param_reduction = c.param_reduction;
    w.seed = c.window_seed;
    return w;
  }

  // Dense(units) from in_features; `masked`: this is the layer the --layer choice constrains.
  std::shared_ptr<Module> dense(int64_t in, int64_t units, const std::string& activation, bool output,
                                bool masked = false, int64_t input2d = 0, int64_t output2d = 0) const {
    DenseOptions o{.units = units, .activation = activation, .kernel_initializer = kernel_init(output),
                   .bias_initializer = bias_init(), .in_features = in};
    if (masked && c.layer == "sz") {
      o.window = sz_window(c.param_reduction, "diagonal");
      return std::make_shared<SzDense>(o);
    }
    if (masked && c.layer == "mouse") {
      o.window = mouse_window(input2d, output2d);
      return std::make_shared<mDense>(o);
    }
    return std::make_shared<Dense>(o);
  }

  // A k×k convolution, "same" or "valid"; `masked` as above, `p` the Sz reduction of this layer.
  std::shared_ptr<Module> conv(int64_t in, int64_t filters, int64_t k, const std::string& padding,
                               const std::string& activation, bool masked = false, double p = 0,
                               const char* sz_form = "diagonal", int64_t input2d = 0, int64_t output2d = 0) const {
    Conv2DOptions o{.filters = filters, .kernel_size = k, .padding = padding, .activation = activation,
                    .kernel_initializer = kernel_init(false), .bias_initializer = bias_init(), .in_channels = in};
    if (masked && c.layer == "sz") {
      o.window = sz_window(p, sz_form);
      return std::make_shared<SzConv2D>(o);
    }
    if (masked && c.layer == "mouse") {
      o.window = mouse_window(input2d, output2d);
      return std::make_shared<mConv2D>(o);
    }
    return std::make_shared<Conv2D>(o);
  }

  std::shared_ptr<Module> batch_norm(int64_t channels) const {
    if (torch) return std::make_shared<BatchNormalization>(BatchNormalization::torch(channels));
    return std::make_shared<BatchNormalization>(BatchNormalizationOptions{.in_channels = channels});
  }
  std::shared_ptr<Module> pool() const { return std::make_shared<MaxPooling2D>(MaxPooling2DOptions{.pool_size = 2}); }
};

// Spatial size after a k×k "valid" convolution, and after a 2×2 pooling.
int64_t valid(int64_t n, int64_t k) { return n - k + 1; }
int64_t pooled(int64_t n) { return n / 2; }

void build_mlp(Sequential& net, const Builder& b, const ClassifierConfig& c) {
  net.add(std::make_shared<Flatten>());
  int64_t in = c.channels * c.image_size * c.image_size;
  const std::vector<int64_t> hidden = c.resolved_hidden();
  for (size_t i = 0; i < hidden.size(); ++i) {
    const bool last = i + 1 == hidden.size();
    // The mouse notebook's mLinear(1024, 512, input2d_width=32, output2d_width=16): the grids' row widths.
    net.add(b.dense(in, hidden[i], "relu", false, last, default_2d_width(in), default_2d_width(hidden[i])));
    in = hidden[i];
  }
  net.add(b.dense(in, c.classes, "", true));
}

void build_cnn(Sequential& net, const Builder& b, const ClassifierConfig& c) {
  const double rate = c.dropout < 0 ? 0.25 : c.dropout;
  net.add(b.conv(c.channels, 32, 3, "same", "relu"));
  net.add(b.conv(32, 32, 3, "valid", "relu"));
  net.add(b.pool());
  net.add(std::make_shared<Dropout>(rate));
  net.add(b.conv(32, 64, 3, "same", "relu"));
  net.add(b.conv(64, 64, 3, "valid", "relu"));
  net.add(b.pool());
  net.add(std::make_shared<Dropout>(rate));
  net.add(std::make_shared<Flatten>());
  const int64_t side = pooled(valid(pooled(valid(c.image_size, 3)), 3));
  const int64_t in = 64 * side * side;
  net.add(b.dense(in, 512, "relu", false, true, default_2d_width(in), default_2d_width(512)));
  net.add(b.dense(512, c.classes, "", true));
}

void build_lenet(Sequential& net, const Builder& b, const ClassifierConfig& c) {
  // transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) on [0, 1]: x·2 − 1.
  net.add(std::make_shared<Rescaling>(RescalingOptions{.scale = 2.0, .offset = -1.0}));
  net.add(b.conv(c.channels, 6, 5, "valid", "relu"));
  net.add(b.pool());
  net.add(b.conv(6, 16, 5, "valid", "relu", true, c.param_reduction, "diagonal", 3, 4));
  net.add(b.pool());
  net.add(std::make_shared<Flatten>());
  const int64_t side = pooled(valid(pooled(valid(c.image_size, 5)), 5));
  net.add(b.dense(16 * side * side, 120, "relu", false));
  net.add(b.dense(120, 84, "relu", false));
  net.add(b.dense(84, c.classes, "", true));
}

void build_vgg16(Sequential& net, const Builder& b, const ClassifierConfig& c) {
  // Per block: (filters, convolutions); a convolution followed by BatchNorm + ReLU except the block's last,
  // which has its own relu, as in the script; blocks 1–2 end in Dropout(0.25).
  const int64_t blocks[5][2] = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
  int64_t in = c.channels, side = c.image_size;
  for (int blk = 0; blk < 5; ++blk) {
    const int64_t filters = blocks[blk][0], n = blocks[blk][1];
    for (int64_t i = 0; i < n; ++i) {
      const bool last = i + 1 == n;
      const bool masked = blk == 4;  // the last three convolutions
      const double p = last ? c.param_reduction : 0.0;
      const int64_t grid = default_2d_width(filters);
      net.add(b.conv(in, filters, 3, "same", last ? "relu" : "", masked, p, "individual", default_2d_width(in), grid));
      if (!last) {
        net.add(b.batch_norm(filters));
        net.add(std::make_shared<Activation>("relu"));
      }
      in = filters;
    }
    net.add(b.pool());
    side = pooled(side);
    if (blk < 2) net.add(std::make_shared<Dropout>(c.dropout < 0 ? 0.25 : c.dropout));
  }
  net.add(std::make_shared<Flatten>());
  int64_t features = in * side * side;
  for (int64_t units : {4096, 4096, 1024}) {
    net.add(b.dense(features, units, "relu", false));
    features = units;
  }
  net.add(b.dense(features, c.classes, "", true));
}

}  // namespace

std::shared_ptr<Sequential> make_classifier(const ClassifierConfig& config) {
  config.check("make_classifier");
  auto net = std::make_shared<Sequential>();
  const Builder b(config);
  if (config.model == "mlp") build_mlp(*net, b, config);
  if (config.model == "cnn") build_cnn(*net, b, config);
  if (config.model == "lenet") build_lenet(*net, b, config);
  if (config.model == "vgg16") build_vgg16(*net, b, config);
  return net;
}

}  // namespace murine
