// summary() and weight_usage(): the layer table and the overall %usage (definition in summary.h).
#include "models/summary.h"

#include <cstdio>
#include <functional>
#include <sstream>

#include "layers/activation.h"
#include "layers/masked_kernel.h"
#include "layers/spectral_normalization.h"

namespace murine {

double layer_usage_percent(const Module& layer) {
  const MaskedKernel* masked = layer.masked_kernel();
  return masked ? masked->stats().usage_percent : -1.0;
}

static void add_usage(const Module& m, WeightUsage& u) {
  if (Tensor w = m.kernel_weight(); w.defined()) {
    u.weights += w.numel();
    if (const MaskedKernel* masked = m.masked_kernel()) {
      const WindowStats& st = masked->stats();
      u.masked_weights += st.num_weights;
      u.masked_ones += st.num_ones;
      u.kept += st.num_ones;
    } else {
      u.kept += (double)w.numel();
    }
  }
  for (const auto& [name, child] : m.named_children()) add_usage(*child, u);
}

// [overall usage] usage = 100 · Σ kept / Σ weights over every Dense / Conv2D / Conv2DTranspose kernel
WeightUsage weight_usage(const Module& model) {
  WeightUsage u;
  add_usage(model, u);
  if (u.weights > 0) u.usage_percent = 100.0 * u.kept / (double)u.weights;
  if (u.masked_weights > 0) u.masked_usage_percent = 100.0 * u.masked_ones / (double)u.masked_weights;
  return u;
}

namespace {

int64_t count_parameters(const Module& m) {
  int64_t n = 0;
  for (const auto& [name, p] : m.named_parameters()) n += p.numel();
  return n;
}

std::string type_of(const Module& m) {
  if (auto* a = dynamic_cast<const Activation*>(&m)) return "Activation(" + a->activation() + ")";
  if (auto* sn = dynamic_cast<const SpectralNormalization*>(&m))
    return "SpectralNormalization(" + const_cast<SpectralNormalization*>(sn)->layer().type_name() + ")";
  return m.type_name();
}

std::string usage_text(const Module& m) {
  double u = layer_usage_percent(m);
  if (u < 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f %%", u);
  return buf;
}

struct Table {
  std::ostringstream out;
  void row(const std::string& name, const std::string& type, const std::string& shape, const std::string& params,
           const std::string& usage) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-28s %-30s %-20s %12s  %s\n", name.c_str(), type.c_str(), shape.c_str(),
                  params.c_str(), usage.c_str());
    out << buf;
  }
};

std::string join(const std::string& prefix, const std::string& name) { return prefix.empty() ? name : prefix + "." + name; }

// Masked layers inside a composite row, indented.
void masked_rows(Module& m, const std::string& prefix, Table& t) {
  for (auto& [name, child] : m.named_children()) {
    std::string full = join(prefix, name);
    if (layer_usage_percent(*child) >= 0)
      t.row("  " + full, type_of(*child), "-", std::to_string(count_parameters(*child)), usage_text(*child));
    masked_rows(*child, full, t);
  }
}

// Whether m holds parameters or buffers itself (names without a dot), not only through children.
bool has_own_tensors(const Module& m) {
  for (const auto& [name, p] : m.named_parameters())
    if (name.find('.') == std::string::npos) return true;
  for (const auto& [name, b] : m.named_buffers())
    if (name.find('.') == std::string::npos) return true;
  return false;
}

// Applies m to x, writing its rows; returns m(x).
Tensor walk(Module& m, const std::string& name, const Tensor& x, Table& t) {
  auto children = m.named_children();
  if (dynamic_cast<Sequential*>(&m)) {
    Tensor y = x;
    for (auto& [child_name, child] : children) y = walk(*child, join(name, child_name), y, t);
    return y;
  }
  if (children.size() == 1 && !has_own_tensors(m))  // a wrapper: its one child does the work
    return walk(*children[0].second, join(name, children[0].first), x, t);
  Tensor y = m.forward(x);
  t.row(name.empty() ? "(model)" : name, type_of(m), shape_str(y.shape()), std::to_string(count_parameters(m)),
        usage_text(m));
  if (!children.empty()) masked_rows(m, name, t);
  return y;
}

// The closing lines: total parameters, the masked layers' usage and the overall %usage.
void totals(Module& model, Table& t) {
  WeightUsage u = weight_usage(model);
  char buf[256];
  t.out << std::string(100, '-') << "\n";
  std::snprintf(buf, sizeof buf, "Total params: %lld\n", (long long)count_parameters(model));
  t.out << buf;
  if (u.masked_weights > 0) {
    std::snprintf(buf, sizeof buf, "Masked layers: %.0f of %lld weights kept (%.4f %%)\n", u.masked_ones,
                  (long long)u.masked_weights, u.masked_usage_percent);
    t.out << buf;
  }
  std::snprintf(buf, sizeof buf, "Overall %%usage: %.4f %% (%.0f of %lld kernel weights)\n", u.usage_percent, u.kept,
                (long long)u.weights);
  t.out << buf;
}

}  // namespace

std::string summary(Module& model, const Tensor& example_input) {
  Table t;
  t.row("Layer", "Type", "Output shape", "Param #", "%usage");
  t.out << std::string(100, '-') << "\n";
  bool was_training = model.training();
  model.eval();
  {
    NoGradGuard no_grad;
    try {
      walk(model, "", example_input, t);
    } catch (...) {
      model.train(was_training);
      throw;
    }
  }
  model.train(was_training);
  totals(model, t);
  return t.out.str();
}

std::string summary(Module& model, const std::function<Tensor()>& run) {
  Table t;
  t.row("Layer", "Type", "Output shape", "Param #", "%usage");
  t.out << std::string(100, '-') << "\n";
  bool was_training = model.training();
  model.eval();
  Tensor y;
  {
    NoGradGuard no_grad;
    try {
      y = run();
    } catch (...) {
      model.train(was_training);
      throw;
    }
  }
  model.train(was_training);
  for (auto& [name, child] : model.named_children()) {
    WeightUsage u = weight_usage(*child);
    char usage[32] = "";
    if (u.masked_weights > 0) std::snprintf(usage, sizeof usage, "%.4f %%", u.masked_usage_percent);
    t.row(name, type_of(*child), "-", std::to_string(count_parameters(*child)), usage);
  }
  t.row("(output)", "", shape_str(y.shape()), "", "");
  totals(model, t);
  return t.out.str();
}

}  // namespace murine
