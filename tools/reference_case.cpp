// Reference cases: build the layer a case.json describes, feed it the case's tensors, compare.
#include "tools/reference_case.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "autograd/ops.h"
#include "io/json_limits.h"
#include "io/npy.h"
#include "layers/batch_normalization.h"
#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/dense.h"
#include "layers/group_normalization.h"
#include "layers/masked_kernel.h"
#include "layers/pooling.h"
#include "layers/spectral_normalization.h"
#include "layers/upsampling.h"
#include "tensor/error.h"
#include "tools/case_fields.h"

namespace murine {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A case's files, read lazily, with dtype and shape checks that name the file.
class CaseFiles {
 public:
  CaseFiles(std::string dir, Device device) : dir_(std::move(dir)), device_(device) {}
  bool has(const std::string& name) const { return fs::exists(path(name)); }
  std::string path(const std::string& name) const { return (fs::path(dir_) / (name + ".npy")).string(); }
  // A float32 tensor (or, when allow_uint8, a 0/1 uint8 one) of the expected shape, if given.
  Tensor load(const std::string& name, const Shape* expected = nullptr, bool allow_uint8 = false) const {
    MURINE_CHECK(has(name), name << ".npy is missing");
    HostArray a = read_npy(path(name));
    MURINE_CHECK(a.dtype == DType::F32 || (allow_uint8 && a.dtype == DType::U8),
                 name << ".npy has dtype " << dtype_name(a.dtype) << ", expected float32"
                      << (allow_uint8 ? " or uint8" : ""));
    if (expected)
      MURINE_CHECK(a.shape == *expected, name << ".npy has shape " << shape_str(a.shape) << ", expected "
                                              << shape_str(*expected));
    return to_tensor(a, device_);
  }

 private:
  std::string dir_;
  Device device_;
};

Pair pair_of(const json& c, const char* key, int64_t fallback) {
  if (!c.contains(key)) return Pair(fallback);
  const json& v = c.at(key);
  if (v.is_number_integer()) return Pair(v.get<int64_t>());
  MURINE_CHECK(v.is_array() && v.size() == 2, "case.json: '" << key << "' must be an int or [h, w]");
  return Pair(v[0].get<int64_t>(), v[1].get<int64_t>());
}

// The window of a masked case: its arguments, or, with "window_given": true, the case's window.npy
// itself (a window the reference drew with numpy or TensorFlow).
WindowSpec window_spec_of(const json& c, const CaseFiles& files, bool dense) {
  WindowSpec w;
  w.form = c.value("form", std::string());
  w.input2d_width = c.value("input2d_width", (int64_t)0);
  w.output2d_width = c.value("output2d_width", (int64_t)0);
  w.window2d_width = c.value("window2d_width", 0.5);
  w.param_reduction = c.value("param_reduction", 0.5);
  if (dense) w.halfbandwidth = c.value("halfbandwidth", 0.0);
  if (c.value("window_given", false)) {
    MURINE_CHECK(files.has("window"), "case.json says window_given but window.npy is missing");
    w.given_npy = files.path("window");
  }
  return w;
}

// A built layer and how the case's files map onto it.
struct Built {
  std::shared_ptr<Module> module;
  Tensor window;                                    // undefined when unmasked
  std::vector<std::pair<std::string, std::string>> state;  // file → state_dict name, set before the call
  std::vector<std::pair<std::string, Tensor>> grads;       // file → tensor whose .grad() it holds
  std::vector<std::pair<std::string, std::function<Tensor()>>> after;  // file → value after the call
  std::vector<std::string> optional;                // files that may be absent (e.g. a disabled bias)
};

// The weight/bias files of a layer with "weight" and (maybe) "bias" parameters.
template <typename Layer>
void weight_and_bias(Built& b, const std::shared_ptr<Layer>& layer, const std::string& prefix = "") {
  b.state.emplace_back("weight", prefix + "weight");
  b.grads.emplace_back("gweight", layer->weight);
  if (layer->bias.defined()) {
    b.state.emplace_back("bias", prefix + "bias");
    b.grads.emplace_back("gbias", layer->bias);
  }
}

// A layer with a kernel: the window (masked kinds) and the weight/bias files.
Built kernel_layer(std::shared_ptr<KernelLayer> layer) {
  Built b;
  b.module = layer;
  b.window = layer->window;
  weight_and_bias(b, layer);
  return b;
}

// kind: "Linear" / "Dense", "mLinear" / "mDense" or "SzDense".
Built build_linear(const json& c, const CaseFiles& files, const std::string& kind) {
  DenseOptions o = Dense::torch(c.at("in_features").get<int64_t>(), c.at("out_features").get<int64_t>(),
                                c.value("bias", true));
  if (kind == "Linear" || kind == "Dense") return kernel_layer(std::make_shared<Dense>(o));
  o.window = window_spec_of(c, files, true);
  if (kind == "SzDense") return kernel_layer(std::make_shared<SzDense>(o));
  return kernel_layer(std::make_shared<mDense>(o));
}

Conv2DOptions conv_options(const json& c, bool transposed) {
  Conv2DOptions o;
  o.in_channels = c.at("in_channels").get<int64_t>();
  o.filters = c.at("out_channels").get<int64_t>();
  o.kernel_size = pair_of(c, "kernel_size", 0);
  o.strides = pair_of(c, "stride", 1);
  o.dilation_rate = pair_of(c, "dilation", 1);
  o.groups = c.value("groups", (int64_t)1);
  o.use_bias = c.value("bias", true);
  const json& pad = c.contains("padding") ? c.at("padding") : json(0);
  if (pad.is_string()) {
    o.padding = pad.get<std::string>();
  } else {
    Pair p = pair_of(c, "padding", 0);
    o.padding = Padding(p.h, p.w);
  }
  if (transposed) {
    // PyTorch cases (explicit pads) default output_padding to 0; Keras ones derive it (-1).
    o.output_padding = pair_of(c, "output_padding", pad.is_string() ? -1 : 0);
  }
  return o;
}

// kind: the unmasked class, its m-twin, or SzConv2D.
Built build_conv(const json& c, const CaseFiles& files, const std::string& kind) {
  const bool transposed = kind.find("Transpose") != std::string::npos;
  Conv2DOptions o = conv_options(c, transposed);
  if (kind == "Conv2d" || kind == "Conv2D") return kernel_layer(std::make_shared<Conv2D>(o));
  if (kind == "ConvTranspose2d" || kind == "Conv2DTranspose") return kernel_layer(std::make_shared<Conv2DTranspose>(o));
  o.window = window_spec_of(c, files, false);
  if (kind == "SzConv2D") return kernel_layer(std::make_shared<SzConv2D>(o));
  if (transposed) return kernel_layer(std::make_shared<mConv2DTranspose>(o));
  return kernel_layer(std::make_shared<mConv2D>(o));
}

Built build_batch_norm(const json& c, bool torch) {
  int64_t channels = c.at("num_features").get<int64_t>();
  BatchNormalizationOptions o;
  if (torch) {
    o = BatchNormalization::torch(channels, c.value("eps", 1e-5), c.value("momentum", 0.1));
  } else {
    o.momentum = c.value("momentum", 0.99);
    o.epsilon = c.value("epsilon", 1e-3);
    o.center = c.value("center", true);
    o.scale = c.value("scale", true);
    o.in_channels = channels;
  }
  auto layer = std::make_shared<BatchNormalization>(o);
  Built b;
  b.module = layer;
  if (layer->weight.defined()) b.state.emplace_back("weight", "weight"), b.grads.emplace_back("gweight", layer->weight);
  if (layer->bias.defined()) b.state.emplace_back("bias", "bias"), b.grads.emplace_back("gbias", layer->bias);
  b.state.emplace_back("running_mean", "running_mean");
  b.state.emplace_back("running_var", "running_var");
  b.after.emplace_back("running_mean_after", [layer] { return layer->running_mean; });
  b.after.emplace_back("running_var_after", [layer] { return layer->running_var; });
  return b;
}

Built build_group_norm(const json& c) {
  GroupNormalizationOptions o;
  o.groups = c.at("groups").get<int64_t>();
  o.epsilon = c.value("epsilon", 1e-3);
  o.center = c.value("center", true);
  o.scale = c.value("scale", true);
  o.in_channels = c.at("num_channels").get<int64_t>();
  auto layer = std::make_shared<GroupNormalization>(o);
  Built b;
  b.module = layer;
  if (layer->weight.defined()) b.state.emplace_back("weight", "weight"), b.grads.emplace_back("gweight", layer->weight);
  if (layer->bias.defined()) b.state.emplace_back("bias", "bias"), b.grads.emplace_back("gbias", layer->bias);
  return b;
}

Built build_spectral_norm(const json& c) {
  std::string wrapped = c.at("wrapped_layer").get<std::string>();
  std::shared_ptr<SpectralNormalization> sn;
  Tensor bias;
  // The cases are Keras': its inference call runs the wrapped layer on the stored kernel.
  SpectralNormalizationOptions sn_options;
  sn_options.power_iterations = c.value("power_iterations", (int64_t)1);
  sn_options.normalize_in_eval = false;
  if (wrapped == "Linear" || wrapped == "Dense") {
    DenseOptions o = Dense::torch(c.at("in_features").get<int64_t>(), c.at("out_features").get<int64_t>(),
                                  c.value("bias", true));
    auto layer = std::make_shared<Dense>(o);
    bias = layer->bias;
    sn = std::make_shared<SpectralNormalization>(layer, sn_options);
  } else if (wrapped == "Conv2d" || wrapped == "Conv2D") {
    auto layer = std::make_shared<Conv2D>(conv_options(c, false));
    bias = layer->bias;
    sn = std::make_shared<SpectralNormalization>(layer, sn_options);
  } else {
    throw Error("SpectralNormalization: unsupported wrapped_layer '" + wrapped + "'");
  }
  Built b;
  b.module = sn;
  // murine keeps the raw W as the parameter; Keras assigns W/σ to its kernel, so the case's
  // weight_after is compared with the W/σ murine ran the layer with.
  b.state.emplace_back("weight", "layer.weight");
  b.state.emplace_back("u", "u");
  if (bias.defined()) b.state.emplace_back("bias", "layer.bias"), b.grads.emplace_back("gbias", bias);
  b.after.emplace_back("u_after", [sn] { return sn->u; });
  b.after.emplace_back("weight_after", [sn] { return sn->normalized_weight(); });
  b.after.emplace_back("sigma", [sn] { return sn->sigma(); });
  b.optional.push_back("sigma");
  return b;
}

Built build_layer(const json& c, const CaseFiles& files) {
  std::string kind = c.at("layer").get<std::string>();
  bool masked = kind.size() > 1 && kind[0] == 'm' && std::isupper((unsigned char)kind[1]);
  std::string base = masked ? kind.substr(1) : kind;
  if (base == "Linear" || base == "Dense" || kind == "SzDense") return build_linear(c, files, kind);
  if (base == "Conv2d" || base == "Conv2D" || base == "ConvTranspose2d" || base == "Conv2DTranspose" ||
      kind == "SzConv2D")
    return build_conv(c, files, kind);
  if (kind == "BatchNorm2d") return build_batch_norm(c, true);
  if (kind == "BatchNormalization") return build_batch_norm(c, false);
  if (kind == "GroupNormalization") return build_group_norm(c);
  if (kind == "SpectralNormalization") return build_spectral_norm(c);
  if (kind == "UpSampling2D") {
    UpSampling2DOptions o;
    o.size = pair_of(c, "size", 2);
    o.interpolation = c.value("interpolation", std::string("nearest"));
    Built b;
    b.module = std::make_shared<UpSampling2D>(o);
    return b;
  }
  if (kind == "AveragePooling2D") {
    AveragePooling2DOptions o;
    o.pool_size = pair_of(c, "pool_size", 2);
    o.strides = pair_of(c, "strides", 0);
    o.padding = c.value("padding", std::string("valid"));
    Built b;
    b.module = std::make_shared<AveragePooling2D>(o);
    return b;
  }
  if (kind == "MaxPooling2D") {  // Keras: padding "valid" | "same"
    MaxPooling2DOptions o;
    o.pool_size = pair_of(c, "pool_size", 2);
    o.strides = pair_of(c, "strides", 0);
    o.padding = c.value("padding", std::string("valid"));
    Built b;
    b.module = std::make_shared<MaxPooling2D>(o);
    return b;
  }
  if (kind == "MaxPool2d") {  // PyTorch: explicit padding, ceil_mode
    MURINE_CHECK(pair_of(c, "dilation", 1).h == 1 && pair_of(c, "dilation", 1).w == 1,
                 "MaxPool2d: murine's max pooling has no dilation");
    Built b;
    b.module = std::make_shared<MaxPooling2D>(MaxPooling2D::torch(
        pair_of(c, "kernel_size", 0), pair_of(c, "stride", 0), pair_of(c, "padding", 0), c.value("ceil_mode", false)));
    return b;
  }
  if (kind == "GlobalAveragePooling2D") {
    Built b;
    b.module = std::make_shared<GlobalAveragePooling2D>(
        GlobalAveragePooling2DOptions{.keepdims = c.value("keepdims", false)});
    return b;
  }
  throw Error("unknown layer kind '" + kind + "'");
}

// max|a - b| / max(max|b|, 1e-12)
double relative_error(const Tensor& got, const Tensor& want) {
  std::vector<float> a = got.to_vector(), b = want.to_vector();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs((double)a[i] - b[i]);
    diff = std::isnan(d) ? INFINITY : std::max(diff, d);
    scale = std::max(scale, std::fabs((double)b[i]));
  }
  return diff / std::max(scale, 1e-12);
}

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

CaseResult run(const std::string& dir, Device device) {
  CaseResult result;
  json c;
  {
    const fs::path path = fs::path(dir) / "case.json";
    MURINE_CHECK(fs::exists(path), "case.json is missing");
    c = read_json_file(path.string(), {size_t(1) << 20, 16});
    check_case_fields(c);  // types and bounds of every known key (tools/case_fields.h)
  }
  CaseFiles files(dir, device);
  double tolerance = c.value("tolerance", 1e-4);
  Built b;
  try {
    b = build_layer(c, files);
  } catch (const json::exception& e) {
    throw Error(std::string("case.json: ") + e.what());
  }
  b.module->to(device);

  // The window, exactly.
  if (b.window.defined()) {
    Shape shape = b.window.shape();
    Tensor want = files.load("window", &shape, true);
    std::vector<float> got_w = b.window.to_vector(), want_w = want.to_vector();
    int64_t mismatches = 0;
    for (size_t i = 0; i < got_w.size(); ++i) mismatches += got_w[i] != want_w[i];
    MURINE_CHECK(mismatches == 0, "window differs in " << mismatches << " of " << got_w.size() << " elements");
    result.usage_percent = b.module->masked_kernel()->stats().usage_percent;
    if (c.contains("usage_percent")) {
      double expected = c.at("usage_percent").get<double>();
      MURINE_CHECK(std::fabs(result.usage_percent - expected) <= 1e-12 * std::max(1.0, expected),
                   "usage " << fmt(result.usage_percent) << "% but the case says " << fmt(expected) << "%");
    }
  }
  if (!files.has("x")) {  // a window-only case
    MURINE_CHECK(b.window.defined(), "x.npy is missing");
    result.pass = true;
    return result;
  }

  // Parameters and buffers from the files (a file may hold a flattened or unflattened copy).
  std::map<std::string, Tensor> own = b.module->state_dict(), state;
  for (const auto& [file, key] : b.state) {
    Tensor t = files.load(file);
    const Shape& want = own.at(key).shape();
    MURINE_CHECK(t.numel() == numel(want), file << ".npy has shape " << shape_str(t.shape()) << ", expected "
                                                << shape_str(want));
    state[key] = reshape(t, want);
  }
  MURINE_CHECK(files.has("bias") == (std::find_if(b.state.begin(), b.state.end(), [](auto& p) {
                                       return p.first == "bias";
                                     }) != b.state.end()),
               "bias.npy presence does not match case.json's bias/center setting");
  b.module->load_state_dict(state, false);
  b.module->train(c.value("training", true));
  Tensor x = files.load("x").detach();
  x.requires_grad_();
  Tensor y = b.module->forward(x);
  Shape y_shape = y.shape();
  Tensor gy = files.load("gy", &y_shape);
  std::vector<std::pair<std::string, double>> errors;
  errors.emplace_back("y", relative_error(y, files.load("y", &y_shape)));
  for (const auto& [file, value] : b.after) {
    if (!files.has(file) && std::count(b.optional.begin(), b.optional.end(), file)) continue;
    Tensor got = value();
    Tensor want = files.load(file);
    MURINE_CHECK(want.numel() == got.numel(), file << ".npy has shape " << shape_str(want.shape())
                                                   << ", murine's value " << shape_str(got.shape()));
    errors.emplace_back(file, relative_error(got, want));
  }
  y.backward(gy);
  Shape x_shape = x.shape();
  errors.emplace_back("gx", relative_error(x.grad(), files.load("gx", &x_shape)));
  for (const auto& [file, param] : b.grads) {
    Shape p_shape = param.shape();
    MURINE_CHECK(param.grad().defined(), file << ": murine computed no gradient");
    errors.emplace_back(file, relative_error(param.grad(), files.load(file, &p_shape)));
  }
  std::string worst_name;
  for (auto& [name, err] : errors)
    if (err >= result.worst_error) result.worst_error = err, worst_name = name;
  std::ostringstream bad;
  for (auto& [name, err] : errors)
    if (!(err <= tolerance)) bad << name << " err=" << fmt(err) << " > " << tolerance << " ";
  result.message = bad.str();
  result.pass = result.message.empty();
  return result;
}

}  // namespace

CaseResult run_case(const std::string& dir, Device device) {
  try {
    return run(dir, device);
  } catch (const std::exception& e) {
    CaseResult failed;
    failed.message = e.what();
    return failed;
  }
}

}  // namespace murine
