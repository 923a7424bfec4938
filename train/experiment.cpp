// The classification experiments (train/experiment.h).
#include "train/experiment.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "io/atomic_file.h"
#include "io/json_limits.h"
#include "models/summary.h"
#include "tensor/error.h"
#include "train/interrupt.h"

namespace murine {

namespace {

namespace fs = std::filesystem;

// The directory name of a variant's run: "sz_0.7_run0" (characters other than [A-Za-z0-9.-] become '_').
std::string run_dir_name(const std::string& variant, int64_t run) {
  std::string s;
  for (char c : variant) s += (std::isalnum((unsigned char)c) || c == '.' || c == '-') ? c : '_';
  return s + "_run" + std::to_string(run);
}

// Whether `dir` holds a run of `config` (its config.json, the data-derived sizes aside, is the same).
bool same_run(const std::string& dir, const ClassifierRunConfig& config) {
  if (!fs::exists(dir + "/config.json") || !fs::exists(dir + "/checkpoint.safetensors")) return false;
  try {
    const nlohmann::json j = read_json_file(dir + "/config.json");
    ClassifierRunConfig mine = config.with_recipe(), theirs = ClassifierRunConfig::from_json(j);
    mine.model.channels = theirs.model.channels;
    mine.model.image_size = theirs.model.image_size;
    mine.model.classes = theirs.model.classes;
    return mine.to_json() == theirs.to_json();
  } catch (const std::exception&) {
    return false;  // not a run we wrote: start it afresh
  }
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? NAN : s / (double)v.size();
}

// Sample standard deviation (n − 1), 0 for one value.
double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return v.empty() ? NAN : 0.0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / (double)(v.size() - 1));
}

std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "-";
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

// The final epoch's test figures of a run (validation when there is no test set).
double final_accuracy(const ExperimentRun& r) {
  if (r.history.empty()) return NAN;
  const EpochRecord& e = r.history.back();
  return std::isnan(e.test_accuracy) ? e.val_accuracy : e.test_accuracy;
}
double final_loss(const ExperimentRun& r) {
  if (r.history.empty()) return NAN;
  const EpochRecord& e = r.history.back();
  return std::isnan(e.test_loss) ? e.val_loss : e.test_loss;
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "";
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

void write_compare_csv(const std::string& path, const std::vector<ExperimentRun>& runs) {
  std::string text = "variant,run,seed,epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,"
                     "test_accuracy,usage_percent\n";
  for (const ExperimentRun& r : runs)
    for (const EpochRecord& e : r.history)
      text += r.variant + "," + std::to_string(r.run) + "," + std::to_string(r.seed) + "," + std::to_string(e.epoch) +
              "," + csv_number(e.train_loss) + "," + csv_number(e.train_accuracy) + "," + csv_number(e.val_loss) + "," +
              csv_number(e.val_accuracy) + "," + csv_number(e.test_loss) + "," + csv_number(e.test_accuracy) + "," +
              csv_number(r.layer_usage) + "\n";
  write_file_atomic(path, text, "murine experiment");
}

}  // namespace

Variant Variant::parse(const std::string& text) {
  Variant v;
  v.name = text;
  std::vector<std::string> parts;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, ':')) parts.push_back(part);
  MURINE_CHECK(!parts.empty() && parts.size() <= 3 && text.size() <= 64,
               "murine experiment: a variant is standard, sz:P[:FORM] or mouse:R[:FORM], got '" << text.substr(0, 64) << "'");
  v.layer = parts[0];
  MURINE_CHECK(v.layer == "standard" || v.layer == "sz" || v.layer == "mouse",
               "murine experiment: variant '" << text << "': the layer must be standard, sz or mouse");
  MURINE_CHECK(v.layer != "standard" || parts.size() == 1, "murine experiment: variant '" << text << "': standard takes no value");
  if (parts.size() >= 2) {
    char* end = nullptr;
    const double x = std::strtod(parts[1].c_str(), &end);
    MURINE_CHECK(end && *end == '\0' && !parts[1].empty() && std::isfinite(x),
                 "murine experiment: variant '" << text << "': '" << parts[1] << "' is not a number");
    (v.layer == "sz" ? v.param_reduction : v.window2d_width) = x;
  }
  if (parts.size() == 3) v.form = parts[2];
  return v;
}

ClassifierRunConfig Variant::apply(const ClassifierRunConfig& base) const {
  ClassifierRunConfig c = base;
  c.model.layer = layer;
  if (layer == "sz") c.model.param_reduction = param_reduction;
  if (layer == "mouse") c.model.window2d_width = window2d_width;
  if (!form.empty()) c.model.form = form;
  if (layer == "standard") c.model.form = "";
  return c;
}

std::vector<ExperimentRun> compare_variants(const ExperimentOptions& o, bool* interrupted_out) {
  MURINE_CHECK(o.runs > 0 && o.runs <= 1000, "murine experiment: --runs must be in [1, 1000], got " << o.runs);
  MURINE_CHECK(!o.variants.empty(), "murine experiment: no variants to train");
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  MURINE_CHECK(!ec && fs::is_directory(o.dir), "murine experiment: cannot create '" << o.dir << "': " << ec.message());
  // Check every variant before the first run starts, so a typo fails at once and not after hours.
  for (const Variant& v : o.variants) v.apply(o.base).check("murine experiment: variant " + v.name);

  std::vector<ExperimentRun> results;
  bool stopped = false;
  for (int64_t r = 0; r < o.runs && !stopped; ++r) {
    for (const Variant& v : o.variants) {
      ClassifierRunConfig config = v.apply(o.base);
      config.seed = o.base.seed + (uint64_t)r;
      config.model.window_seed = o.base.model.window_seed + (uint64_t)r;
      const std::string dir = o.dir + "/" + run_dir_name(v.name, r);
      std::unique_ptr<ClassifierTrainer> t;
      if (same_run(dir, config))
        t = ClassifierTrainer::resume(dir, config.epochs, config.device);
      else
        t = std::make_unique<ClassifierTrainer>(config, dir, RunStart::Overwrite);  // no checkpoint of this run to keep
      t->set_progress_output(o.progress);
      if (o.progress) std::fprintf(o.progress, "%s run %lld/%lld (%s)\n", v.name.c_str(), (long long)r + 1,
                                   (long long)o.runs, dir.c_str());
      const RunOutcome outcome = t->run(false);
      const WeightUsage u = weight_usage(t->network());
      results.push_back({v.name, r, config.seed, u.masked_usage_percent, u.usage_percent, t->history()});
      if (outcome.interrupted) {
        stopped = true;
        break;
      }
    }
    write_compare_csv(o.dir + "/compare.csv", results);  // after every round, so a long experiment shows progress
  }
  write_compare_csv(o.dir + "/compare.csv", results);
  write_file_atomic(o.dir + "/summary.txt", experiment_summary(results), "murine experiment");
  if (interrupted_out) *interrupted_out = stopped;
  return results;
}

std::vector<ExperimentRun> sweep_param_reduction(ExperimentOptions o, const std::vector<double>& ps, bool* interrupted) {
  MURINE_CHECK(!ps.empty() && ps.size() <= 100, "murine experiment sweep: give 1 to 100 values of p, got " << ps.size());
  o.variants.clear();
  for (double p : ps) {
    MURINE_CHECK(p >= 0 && p < 1, "murine experiment sweep: p must be in [0, 1), got " << p);
    Variant v;
    v.layer = "sz";
    v.param_reduction = p;
    v.form = o.base.model.form;
    v.name = "sz:" + csv_number(p);
    o.variants.push_back(v);
  }
  std::vector<ExperimentRun> runs = compare_variants(o, interrupted);
  std::string text = "param_reduction,usage_percent,run,seed,test_loss,test_accuracy\n";
  for (const ExperimentRun& r : runs) {
    const Variant v = Variant::parse(r.variant);
    text += csv_number(v.param_reduction) + "," + csv_number(r.layer_usage) + "," + std::to_string(r.run) + "," +
            std::to_string(r.seed) + "," + csv_number(final_loss(r)) + "," + csv_number(final_accuracy(r)) + "\n";
  }
  write_file_atomic(o.dir + "/sweep.csv", text, "murine experiment");
  return runs;
}

std::string experiment_summary(const std::vector<ExperimentRun>& runs) {
  // Variants in order of first appearance.
  std::vector<std::string> names;
  for (const ExperimentRun& r : runs)
    if (std::find(names.begin(), names.end(), r.variant) == names.end()) names.push_back(r.variant);
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %9s %9s %5s %7s %18s %18s\n", "variant", "layer %", "net %", "runs", "epochs",
                "test accuracy", "test loss");
  s << line;
  for (const std::string& name : names) {
    std::vector<double> acc, loss;
    double layer = 100, net = 100;
    int64_t epochs = 0;
    for (const ExperimentRun& r : runs) {
      if (r.variant != name) continue;
      acc.push_back(final_accuracy(r));
      loss.push_back(final_loss(r));
      layer = r.layer_usage, net = r.network_usage;
      epochs = std::max<int64_t>(epochs, (int64_t)r.history.size());
    }
    std::snprintf(line, sizeof line, "%-22s %9s %9s %5zu %7lld %18s %18s\n", name.c_str(), fixed(layer, 2).c_str(),
                  fixed(net, 2).c_str(), acc.size(), (long long)epochs,
                  (fixed(mean_of(acc), 4) + " ± " + fixed(sd_of(acc), 4)).c_str(),
                  (fixed(mean_of(loss), 4) + " ± " + fixed(sd_of(loss), 4)).c_str());
    s << line;
  }
  s << "(layer %: usage of the constrained layer's weights; net %: of every kernel; mean ± sd over runs of the final "
       "epoch, test set or else validation)\n";
  return s.str();
}

}  // namespace murine
