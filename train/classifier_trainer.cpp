// ClassifierTrainer: the loop, run directory, resume and Ctrl-C of a classification run
// (train/classifier_trainer.h).
#include "train/classifier_trainer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "autograd/ops.h"
#include "data/image_folder.h"
#include "io/atomic_file.h"
#include "io/json_field.h"
#include "io/json_limits.h"
#include "layers/losses.h"
#include "models/summary.h"
#include "optim/adam.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
#include "tensor/error.h"
#include "train/checkpoint.h"
#include "train/interrupt.h"

namespace murine {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kCheckpoint = "checkpoint.safetensors";
constexpr const char* kOp = "murine train classifier";
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<std::string> kHistoryColumns = {"epoch",    "train_loss", "train_accuracy", "val_loss",
                                                  "val_accuracy", "test_loss", "test_accuracy"};

// The first `limit` samples of a set (all of them for limit 0).
LabeledImages first(const LabeledImages& set, int64_t limit) {
  if (limit <= 0 || limit >= set.size()) return set;
  std::vector<int64_t> idx(limit);
  for (int64_t i = 0; i < limit; ++i) idx[i] = i;
  return subset(set, idx);
}

// Labels as the float class indices softmax_cross_entropy takes, on `device`.
Tensor class_indices(const std::vector<int64_t>& labels, Device device) {
  std::vector<float> v(labels.begin(), labels.end());
  return from_vector(v, {(int64_t)labels.size()}, device);
}

// A double kept in two float32 scalars (hi + lo), so a checkpoint holds the epoch's sums exactly enough
// for a resumed run to report the same train loss.
std::pair<float, float> split_double(double v) {
  const float hi = (float)v;
  return {hi, (float)(v - (double)hi)};
}

// The stream of the augmentation of step `step`: one Philox key per step, derived from the seed.
Generator augmentation_stream(uint64_t seed, int64_t step) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (uint64_t)(step + 1) + 0x5851F42D4C957F2Dull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return Generator(z ^ (z >> 31));
}

// Rows of history.csv up to `epochs` (the rest was logged after the last checkpoint); rewrites the file
// with them and returns them. Empty fields are NaN. A last line without its newline (a writer killed
// mid-row) is dropped; any other row that does not parse, or is out of order, is an error naming the
// file and the line.
std::vector<EpochRecord> trim_history(const std::string& path, int64_t epochs) {
  std::vector<EpochRecord> rows;
  std::ifstream in(path, std::ios::binary);
  std::string line, kept;
  int64_t number = 0;
  if (in && std::getline(in, line) && !in.eof()) kept = line + "\n", number = 1;  // the header
  while (number > 0 && (int64_t)rows.size() < epochs && std::getline(in, line)) {
    ++number;
    if (in.eof()) break;  // no newline after it: an unfinished row
    std::vector<double> v;
    std::stringstream s(line);
    std::string field;
    bool numbers = true;
    while (std::getline(s, field, ',')) {
      char* end = nullptr;
      const double x = field.empty() ? kNaN : std::strtod(field.c_str(), &end);
      numbers = numbers && (field.empty() || *end == '\0');
      v.push_back(x);
    }
    if (!line.empty() && line.back() == ',') v.push_back(kNaN);
    MURINE_CHECK(numbers && v.size() == kHistoryColumns.size() && v[0] == (double)(rows.size() + 1),
                 kOp << ": " << path << " line " << number << " is not the row of epoch " << rows.size() + 1 << " ("
                     << kHistoryColumns.size() << " comma-separated numbers)");
    rows.push_back({(int64_t)v[0], v[1], v[2], v[3], v[4], v[5], v[6]});
    kept += line + "\n";
  }
  in.close();
  if (!kept.empty()) write_file_atomic(path, kept, kOp);
  return rows;
}

}  // namespace

ClassifierRunConfig ClassifierRunConfig::with_recipe() const {
  ClassifierRunConfig c = *this;
  const std::string& m = model.model;
  std::string opt = "adam", schedule = "constant";
  double lr = 1e-3, momentum = 0.0;
  if (m == "mlp" && model.layer == "mouse") opt = "sgd", lr = 0.01;  // mnist_mouse250717c.ipynb
  if (m == "cnn") opt = "rmsprop", lr = 1e-4, schedule = "inverse-time:1e-6";  // RMSprop(1e-4, decay=1e-6)
  if (m == "lenet") opt = "sgd", lr = 1e-3, momentum = 0.9;  // optim.SGD(lr=0.001, momentum=0.9)
  if (m == "vgg16") lr = 5e-4, schedule = "step:150:0.2";  // Learning_rate_by_step
  if (c.optimizer.empty()) c.optimizer = opt;
  if (c.lr <= 0) c.lr = c.optimizer == opt ? lr : c.optimizer == "sgd" ? 0.01 : 1e-3;
  if (c.momentum < 0) c.momentum = c.optimizer == opt ? momentum : 0.0;
  // The recipe's schedule belongs to its optimizer: another optimizer gets a constant rate.
  if (c.schedule.empty()) c.schedule = c.optimizer == opt ? schedule : "constant";
  return c;
}

json ClassifierRunConfig::to_json() const {
  const ClassifierRunConfig c = with_recipe();
  return {{"model", model.to_json()},
          {"data", data},
          {"data_dir", data_dir},
          {"folder_image_size", folder_image_size},
          {"val_split", val_split},
          {"train_limit", train_limit},
          {"test_limit", test_limit},
          {"epochs", epochs},
          {"batch", batch},
          {"eval_batch", eval_batch},
          {"optimizer", c.optimizer},
          {"lr", c.lr},
          {"momentum", c.momentum},
          {"schedule", c.schedule},
          {"augment",
           {{"horizontal_flip", augment.horizontal_flip},
            {"width_shift", augment.width_shift},
            {"height_shift", augment.height_shift},
            {"rotation", augment.rotation},
            {"zoom", augment.zoom}}},
          {"seed", seed}};
}

ClassifierRunConfig ClassifierRunConfig::from_json(const json& j) {
  MURINE_CHECK(j.is_object(), kOp << ": the run config must be a JSON object");
  ClassifierRunConfig c;
  const std::string what = std::string(kOp) + ": the run config";
  try {
    c.model = ClassifierConfig::from_json(j.at("model"));
    read_json_field(j, "data", c.data, what, true);
    read_json_field(j, "data_dir", c.data_dir, what, true);
    read_json_field(j, "folder_image_size", c.folder_image_size, what, true);
    read_json_field(j, "val_split", c.val_split, what, true);
    read_json_field(j, "train_limit", c.train_limit, what, true);
    read_json_field(j, "test_limit", c.test_limit, what, true);
    read_json_field(j, "epochs", c.epochs, what, true);
    read_json_field(j, "batch", c.batch, what, true);
    read_json_field(j, "eval_batch", c.eval_batch, what, true);
    read_json_field(j, "optimizer", c.optimizer, what, true);
    read_json_field(j, "lr", c.lr, what, true);
    read_json_field(j, "momentum", c.momentum, what, true);
    read_json_field(j, "schedule", c.schedule, what, true);
    const json& a = j.at("augment");
    read_json_field(a, "horizontal_flip", c.augment.horizontal_flip, what + ": augment", true);
    read_json_field(a, "width_shift", c.augment.width_shift, what + ": augment", true);
    read_json_field(a, "height_shift", c.augment.height_shift, what + ": augment", true);
    read_json_field(a, "rotation", c.augment.rotation, what + ": augment", true);
    read_json_field(a, "zoom", c.augment.zoom, what + ": augment", true);
    read_json_field(j, "seed", c.seed, what, true);
  } catch (const json::exception& e) {
    MURINE_CHECK(false, kOp << ": not a classifier run config: " << e.what());
  }
  return c;
}

void ClassifierRunConfig::check(const std::string& op) const {
  MURINE_CHECK(epochs > 0 && epochs <= 1000000, op << ": --epochs must be in [1, 1000000], got " << epochs);
  MURINE_CHECK(batch > 0 && batch <= 1000000, op << ": --batch must be in [1, 1000000], got " << batch);
  MURINE_CHECK(eval_batch > 0 && eval_batch <= 1000000, op << ": eval batch must be in [1, 1000000], got " << eval_batch);
  MURINE_CHECK(val_split >= 0 && val_split < 1, op << ": --val-split must be in [0, 1), got " << val_split);
  MURINE_CHECK(train_limit >= 0, op << ": --train-limit must be >= 0, got " << train_limit);
  MURINE_CHECK(test_limit >= 0, op << ": --test-limit must be >= 0, got " << test_limit);
  MURINE_CHECK(folder_image_size > 0 && folder_image_size <= 1024,
               op << ": --image-size must be in [1, 1024], got " << folder_image_size);
  const ClassifierRunConfig c = with_recipe();
  MURINE_CHECK(c.optimizer == "adam" || c.optimizer == "rmsprop" || c.optimizer == "sgd",
               op << ": --optimizer must be adam, rmsprop or sgd, got '" << c.optimizer << "'");
  MURINE_CHECK(std::isfinite(c.lr) && c.lr > 0, op << ": --lr must be positive, got " << c.lr);
  MURINE_CHECK(c.momentum >= 0 && c.momentum < 1, op << ": --momentum must be in [0, 1), got " << c.momentum);
  LrSchedule::parse(c.schedule);  // throws naming the schedule
}

std::unique_ptr<Optimizer> make_optimizer(const ClassifierRunConfig& config, std::vector<Tensor> params) {
  const ClassifierRunConfig c = config.with_recipe();
  const bool torch = c.model.resolved_convention() == "torch";
  if (c.optimizer == "adam")
    return std::make_unique<Adam>(torch ? Adam::torch(std::move(params), c.lr) : Adam::keras(std::move(params), c.lr));
  if (c.optimizer == "rmsprop") {
    // The Keras scripts ran on tf.keras 2.3: its RMSprop without momentum puts ε outside the root
    // (optim/rmsprop.h), unlike Keras 3's.
    if (torch) return std::make_unique<RMSprop>(RMSprop::torch(std::move(params), c.lr, 0.99, 1e-8, 0.0, c.momentum));
    return std::make_unique<RMSprop>(RMSprop::tf2(std::move(params), c.lr, 0.9, 1e-7, c.momentum));
  }
  MURINE_CHECK(c.optimizer == "sgd", kOp << ": unknown optimizer '" << c.optimizer << "' (adam, rmsprop or sgd)");
  return std::make_unique<SGD>(std::move(params), c.lr, c.momentum);
}

Evaluation evaluate(Module& network, const LabeledImages& set, int64_t batch, Device device) {
  MURINE_CHECK(batch > 0, "evaluate: batch must be positive, got " << batch);
  Evaluation e;
  e.count = set.size();
  e.confusion = ConfusionMatrix(set.classes());
  if (e.count == 0) return e;
  // Inference mode for the evaluation, the network's own mode restored afterwards (even on an error).
  struct ModeGuard {
    Module& m;
    bool was_training;
    ~ModeGuard() { m.train(was_training); }
  } mode{network, network.training()};
  network.eval();
  NoGradGuard no_grad;
  const int64_t k = std::min<int64_t>(5, set.classes());
  double loss_sum = 0.0;
  int64_t hits = 0, hits_k = 0;
  for (int64_t start = 0; start < e.count; start += batch) {
    const int64_t count = std::min(batch, e.count - start);
    Tensor x = slice(set.images, 0, start, start + count).to(device);
    Tensor logits = network(x);
    MURINE_CHECK(logits.rank() == 2 && logits.size(1) == set.classes(),
                 "evaluate: the network gives " << shape_str(logits.shape()) << " for " << set.classes() << " classes");
    const std::vector<int64_t> labels(set.labels.begin() + start, set.labels.begin() + start + count);
    loss_sum += softmax_cross_entropy(class_indices(labels, device), logits, Reduction::Sum).item();
    hits += top_k_hits(logits, labels, 1);
    hits_k += top_k_hits(logits, labels, k);
    e.confusion.add(labels, predicted_classes(logits));
  }
  e.loss = loss_sum / (double)e.count;
  e.accuracy = (double)hits / (double)e.count;
  e.top5 = (double)hits_k / (double)e.count;
  return e;
}

LoadedClassifier load_classifier(const std::string& checkpoint_path, Device device) {
  const Checkpoint c = load_checkpoint(checkpoint_path);
  check_finite(c, checkpoint_path);
  LoadedClassifier out;
  try {
    out.config = ClassifierRunConfig::from_json(parse_json(c.config_json, "load_classifier: the config in '" + checkpoint_path + "'"));
  } catch (const json::exception& e) {
    MURINE_CHECK(false, "load_classifier: the config in '" << checkpoint_path << "' is not JSON: " << e.what());
  }
  MURINE_CHECK(c.architecture == out.config.model.architecture(),
               "load_classifier: '" << checkpoint_path << "' records " << c.architecture << ", its config builds "
                                    << out.config.model.architecture());
  out.network = make_classifier(out.config.model);
  out.network->load_state_dict(checkpoint_part(c, "network"));
  out.network->to(device);
  out.network->eval();
  out.config.device = device;
  return out;
}

ClassifierTrainer::ClassifierTrainer(ClassifierRunConfig config, std::string dir, RunStart start)
    : ClassifierTrainer(std::move(config), std::move(dir), nullptr, start) {}

std::unique_ptr<ClassifierTrainer> ClassifierTrainer::resume(const std::string& dir, int64_t epochs, Device device) {
  MURINE_CHECK(fs::is_directory(dir), kOp << ": --resume '" << dir << "' is not a run directory");
  const std::string ckpt = dir + "/" + kCheckpoint;
  const Checkpoint resumed = load_checkpoint(ckpt);
  check_finite(resumed, ckpt);
  ClassifierRunConfig config;
  try {
    config = ClassifierRunConfig::from_json(parse_json(resumed.config_json, std::string(kOp) + ": the config in checkpoint '" + ckpt + "'"));
  } catch (const json::exception& e) {
    MURINE_CHECK(false, kOp << ": the config in checkpoint '" << ckpt << "' is not JSON: " << e.what());
  }
  config.epochs = std::max(config.epochs, epochs);
  config.device = device;
  return std::unique_ptr<ClassifierTrainer>(new ClassifierTrainer(std::move(config), dir, &resumed, RunStart::Resume));
}

ClassifierTrainer::ClassifierTrainer(ClassifierRunConfig config, std::string dir, const Checkpoint* resumed,
                                     RunStart start)
    : config_(std::move(config)), dir_(std::move(dir)) {
  config_ = config_.with_recipe();
  config_.check(kOp);

  // The data: the training set minus the validation split, each limited as asked.
  data_ = load_labeled_dataset(config_.data, config_.data_dir, config_.folder_image_size);
  MURINE_CHECK(data_.train.size() > 0, kOp << ": the data set '" << config_.data << "' has no training samples");
  const Shape s = data_.train.images.shape();  // a copy: data_.train is replaced below
  MURINE_CHECK(s[2] == s[3], kOp << ": the classifiers take square images, the data are " << shape_str(s));
  if (config_.val_split > 0) std::tie(data_.train, val_) = split_validation(data_.train, config_.val_split, config_.seed);
  data_.train = first(data_.train, config_.train_limit);
  data_.test = first(data_.test, config_.test_limit);
  config_.model.channels = s[1];
  config_.model.image_size = s[2];
  config_.model.classes = data_.train.classes();
  per_epoch_ = (data_.train.size() + config_.batch - 1) / config_.batch;

  manual_seed(config_.seed);
  net_ = make_classifier(config_.model);
  optimizer_ = make_optimizer(config_, net_->parameters());
  schedule_ = LrSchedule::parse(config_.schedule);
  // The run can start: only now is the directory made (a failed start leaves none), locked and checked.
  lock_ = open_run_directory(dir_, start, kOp);
  write_file_atomic(path("config.json"), config_.to_json().dump(2) + "\n", kOp);

  if (resumed) {
    MURINE_CHECK(resumed->architecture == config_.model.architecture(),
                 kOp << ": checkpoint '" << path(kCheckpoint) << "' is " << resumed->architecture
                     << ", its config builds " << config_.model.architecture());
    net_->load_state_dict(checkpoint_part(*resumed, "network"));
    optimizer_->load_state_dict(checkpoint_part(*resumed, "optimizer"));
    const std::vector<float> sums = checkpoint_part(*resumed, "epoch_sums").at("sums").to_vector();
    MURINE_CHECK(sums.size() == 6, kOp << ": checkpoint '" << path(kCheckpoint) << "': epoch_sums has " << sums.size()
                                       << " values, expected 6");
    epoch_loss_sum_ = (double)sums[0] + (double)sums[1];
    epoch_correct_ = (double)sums[2] + (double)sums[3];
    epoch_seen_ = (double)sums[4] + (double)sums[5];
    for (auto& [name, g] : net_->named_random_streams()) {
      auto it = resumed->streams.find(name);
      if (it != resumed->streams.end()) *g = it->second;
    }
    step_ = resumed->step;
    history_ = trim_history(path("history.csv"), step_ / per_epoch_);
  } else {
    Tensor example = zeros({1, config_.model.channels, config_.model.image_size, config_.model.image_size});
    write_file_atomic(path("summary.txt"), config_.model.architecture() + "\n\n" + summary(*net_, example), kOp);
  }
  net_->to(config_.device);
  log_ = std::make_unique<CsvLog>(path("history.csv"), kHistoryColumns, resumed != nullptr);
}

void ClassifierTrainer::save() const {
  Checkpoint c;
  c.parts["network"] = net_->state_dict();
  c.parts["optimizer"] = optimizer_->state_dict();
  const auto [l0, l1] = split_double(epoch_loss_sum_);
  const auto [c0, c1] = split_double(epoch_correct_);
  const auto [s0, s1] = split_double(epoch_seen_);
  c.parts["epoch_sums"] = {{"sums", from_vector({l0, l1, c0, c1, s0, s1}, {6})}};
  c.step = step_;
  c.rng = Generator(config_.seed);
  c.architecture = config_.model.architecture();
  c.config_json = config_.to_json().dump();
  for (auto& [name, g] : net_->named_random_streams()) c.streams.emplace(name, *g);
  save_checkpoint(path(kCheckpoint), c);
}

double ClassifierTrainer::step() {
  const LabeledImages& train = data_.train;
  const int64_t n = train.size();
  const int64_t epoch = step_ / per_epoch_, index = step_ % per_epoch_;
  if (epoch != order_epoch_) order_ = epoch_order(n, config_.seed, epoch), order_epoch_ = epoch;
  const int64_t start = index * config_.batch, count = std::min(config_.batch, n - start);

  Tensor x = gather_rows(train.images, order_, start, count);
  if (config_.augment.enabled()) {
    Generator g = augmentation_stream(config_.seed, step_);
    x = augment(x, config_.augment, g);
  }
  x = x.to(config_.device);
  std::vector<int64_t> labels(count);
  for (int64_t i = 0; i < count; ++i) labels[i] = train.labels[order_[start + i]];
  Tensor y = class_indices(labels, config_.device);

  net_->train();
  Tensor logits = (*net_)(x);
  Tensor loss = softmax_cross_entropy(y, logits);
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->set_lr(schedule_.lr(config_.lr, epoch, optimizer_->iterations()));
  optimizer_->step();

  const double batch_loss = loss.item();
  epoch_loss_sum_ += batch_loss * (double)count;
  epoch_correct_ += (double)top_k_hits(logits.detach(), labels, 1);
  epoch_seen_ += (double)count;
  ++step_;

  if (progress_out_) {
    if (!progress_)
      progress_ = std::make_unique<Progress>(config_.epochs * per_epoch_, config_.batch,
                                             "train " + config_.model.model, progress_out_);
    std::ostringstream stats;
    stats.precision(4);
    stats << "epoch " << epoch + 1 << "/" << config_.epochs << " loss " << std::fixed
          << epoch_loss_sum_ / epoch_seen_ << " acc " << epoch_correct_ / epoch_seen_;
    progress_->update(step_, stats.str());
  }
  if (index + 1 == per_epoch_) end_epoch();
  return batch_loss;
}

void ClassifierTrainer::end_epoch() {
  EpochRecord r{step_ / per_epoch_, epoch_loss_sum_ / epoch_seen_, epoch_correct_ / epoch_seen_, kNaN, kNaN, kNaN, kNaN};
  if (val_.size() > 0) {
    const Evaluation v = evaluate(*net_, val_, config_.eval_batch, config_.device);
    r.val_loss = v.loss, r.val_accuracy = v.accuracy;
  }
  if (data_.test.size() > 0) {
    const Evaluation t = evaluate(*net_, data_.test, config_.eval_batch, config_.device);
    r.test_loss = t.loss, r.test_accuracy = t.accuracy;
  }
  log_->row({(double)r.epoch, r.train_loss, r.train_accuracy, r.val_loss, r.val_accuracy, r.test_loss, r.test_accuracy});
  history_.push_back(r);
  epoch_loss_sum_ = epoch_correct_ = epoch_seen_ = 0.0;
  save();
}

RunOutcome ClassifierTrainer::run(bool install_interrupts) {
  if (install_interrupts) install_interrupt_handler();
  const int64_t total = config_.epochs * per_epoch_;
  while (step_ < total && !interrupted()) step();
  save();
  if (interrupted()) return {step_, true};
  const LabeledImages& shown = data_.test.size() > 0 ? data_.test : val_.size() > 0 ? val_ : data_.train;
  const Evaluation e = evaluate(*net_, shown, config_.eval_batch, config_.device);
  const std::string which = &shown == &data_.test ? "test" : &shown == &val_ ? "validation" : "training";
  write_file_atomic(path("confusion.txt"), "confusion matrix of the " + which + " set\n" +
                                               e.confusion.format(shown.class_names), kOp);
  write_file_atomic(path("confusion.csv"), e.confusion.csv(shown.class_names), kOp);
  if (progress_) progress_->finish("");
  return {step_, false};
}

}  // namespace murine
