// The post-training masking experiment (train/masking_experiment.h): mask, rescale, evaluate,
// restore, for every (form, width).
#include "train/masking_experiment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "autograd/node.h"
#include "autograd/ops_inplace.h"
#include "io/atomic_file.h"
#include "layers/pruning_mask.h"
#include "tensor/error.h"
#include "train/classifier_trainer.h"

namespace murine {

namespace {

constexpr const char* kOp = "masking experiment";

bool is_dense(Module& m) { return dynamic_cast<Dense*>(&m) != nullptr; }

std::string dense_indices(Sequential& net) {
  std::ostringstream s;
  int count = 0;
  for (size_t i = 0; i < net.size(); ++i)
    if (is_dense(net[i])) s << (count++ ? ", " : "") << i << " (" << net[i].type_name() << ")";
  return count ? s.str() : "none";
}

// Puts a weight's values back when it goes out of scope, so an evaluation that throws leaves the
// network as it was.
class RestoreOnExit {
 public:
  explicit RestoreOnExit(Tensor& weight) : weight_(weight), saved_(weight.detach().clone()) {}
  ~RestoreOnExit() {
    NoGradGuard no_grad;
    copy_(weight_, saved_);
  }
  const Tensor& saved() const { return saved_; }

 private:
  Tensor& weight_;
  Tensor saved_;
};

}  // namespace

Tensor pruned_weight(const Tensor& weight, const Tensor& mask) {
  MURINE_CHECK(weight.shape() == mask.shape(), "pruned_weight: the weight is " << shape_str(weight.shape())
                                                   << " but the mask " << shape_str(mask.shape()));
  const double kept = kept_fraction(mask);
  std::vector<float> w = weight.to_vector();
  const std::vector<float> m = mask.to_vector();
  const float f = (float)kept;
  // [pruning rescale] W' = (W ⊙ mask) / f, f = Σ mask / numel (the "Nrm" of the scripts; none when f = 0)
  for (size_t k = 0; k < w.size(); ++k) {
    w[k] *= m[k];
    if (kept > 0) w[k] /= f;
  }
  return from_vector(w, weight.shape());
}

int64_t default_masked_layer(Sequential& net) {
  std::vector<int64_t> dense;
  for (size_t i = 0; i < net.size(); ++i)
    if (is_dense(net[i])) dense.push_back((int64_t)i);
  MURINE_CHECK(dense.size() >= 2, kOp << ": the network needs a hidden Dense layer before its output Dense to "
                                         "mask; its Dense layers are at: " << dense_indices(net));
  return dense[dense.size() - 2];
}

Dense& dense_layer_at(Sequential& net, int64_t index, const std::string& op) {
  MURINE_CHECK(index >= 0 && index < (int64_t)net.size(),
               op << ": layer index " << index << " is outside the network's " << net.size()
                  << " layers; its Dense layers are at: " << dense_indices(net));
  Module& m = net[index];
  auto* dense = dynamic_cast<Dense*>(&m);
  MURINE_CHECK(dense, op << ": layer " << index << " is a " << m.type_name()
                         << ", not a Dense; the Dense layers are at: " << dense_indices(net));
  MURINE_CHECK(!dense->masked(), op << ": layer " << index << " is a " << m.type_name()
                                    << ", already masked by its connection window; the experiment masks a "
                                       "fully connected Dense (Dense layers at: " << dense_indices(net) << ")");
  MURINE_CHECK(dense->built(), op << ": layer " << index << " (Dense) has no weight yet (it builds on its first input)");
  return *dense;
}

std::vector<MaskingRow> run_masking_experiment(Sequential& net, int64_t layer_index, const MaskingOptions& options,
                                               const LabeledImages& test,
                                               const std::function<void(const MaskingRow&)>& on_row) {
  Dense& layer = dense_layer_at(net, layer_index, kOp);
  MURINE_CHECK(!options.forms.empty(), kOp << ": no forms to sweep");
  MURINE_CHECK(!options.widths.empty(), kOp << ": no widths to sweep");
  MURINE_CHECK(test.size() > 0, kOp << ": the test set is empty");
  const int64_t rows = layer.weight.size(0), cols = layer.weight.size(1);
  // Every mask is checked (form, width) before the first evaluation, so a typo fails at once.
  for (const std::string& form : options.forms)
    for (double width : options.widths) pruning_mask(form, 1, 1, width, options.seed);

  const Device device = layer.weight.device();
  std::vector<MaskingRow> out;
  for (const std::string& form : options.forms)
    for (double width : options.widths) {
      const Tensor mask = pruning_mask(form, rows, cols, width, options.seed);
      Evaluation e;
      {
        RestoreOnExit restore(layer.weight);
        NoGradGuard no_grad;
        copy_(layer.weight, pruned_weight(restore.saved(), mask));
        e = evaluate(net, test, options.batch, device);
      }
      out.push_back({form, width, 100.0 * kept_fraction(mask), e.loss, e.accuracy});
      if (on_row) on_row(out.back());
    }
  return out;
}

void write_masking_csv(const std::string& path, const std::vector<MaskingRow>& rows) {
  std::string text = "form,width,kept_percent,test_loss,test_accuracy\n";
  char line[256];
  for (const MaskingRow& r : rows) {
    std::snprintf(line, sizeof line, "%s,%.9g,%.9g,%.9g,%.9g\n", r.form.c_str(), r.width, r.kept_percent, r.test_loss,
                  r.test_accuracy);
    text += line;
  }
  write_file_atomic(path, text, "write_masking_csv");
}

std::string masking_table(const std::vector<MaskingRow>& rows, const std::string& title) {
  // Forms and widths in the order they first appear; cell (width, form) → its row.
  std::vector<std::string> forms;
  std::vector<double> widths;
  std::map<std::pair<double, std::string>, const MaskingRow*> cell;
  for (const MaskingRow& r : rows) {
    if (std::find(forms.begin(), forms.end(), r.form) == forms.end()) forms.push_back(r.form);
    if (std::find(widths.begin(), widths.end(), r.width) == widths.end()) widths.push_back(r.width);
    cell[{r.width, r.form}] = &r;
  }
  std::ostringstream s;
  s << title << "\n";
  s << "each cell: test accuracy % (kept % of the layer's weights)\n\n";
  char buf[64];
  s << "width ";
  for (const std::string& f : forms) {
    std::snprintf(buf, sizeof buf, " %18s", f.c_str());
    s << buf;
  }
  s << "\n";
  for (double w : widths) {
    std::snprintf(buf, sizeof buf, "%-6.4g", w);
    s << buf;
    for (const std::string& f : forms) {
      auto it = cell.find({w, f});
      if (it == cell.end()) {
        std::snprintf(buf, sizeof buf, " %18s", "-");
      } else {
        char both[48];
        std::snprintf(both, sizeof both, "%.2f (%.1f)", 100.0 * it->second->test_accuracy, it->second->kept_percent);
        std::snprintf(buf, sizeof buf, " %18s", both);
      }
      s << buf;
    }
    s << "\n";
  }
  return s.str();
}

}  // namespace murine
