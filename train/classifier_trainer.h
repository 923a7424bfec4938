// ClassifierTrainer: a classification run as a library — the papers' experiments (models/classifier.h)
// trained on a labelled data set (data/labeled_dataset.h), with the GAN runs' conventions: a run
// directory, atomic checkpoints, exact resume, a progress bar with ETA and Ctrl-C.
//
// Each epoch trains on the epoch's shuffle of the training set (epoch_order of the run's seed; the last
// batch may be smaller, as Keras' fit and PyTorch's DataLoader give it), then evaluates the validation
// and test sets in inference mode. The epoch's train loss and accuracy are the means over its samples
// of the training-mode batches, as Keras reports them.
//
// A run directory holds:
//   config.json             the ClassifierRunConfig
//   summary.txt             the layers, output shapes, parameters and %usage
//   history.csv             epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy
//                           (one row per epoch; empty fields where a split is absent)
//   confusion.txt / .csv    the final confusion matrix of the test set (else of the validation set)
//   checkpoint.safetensors  the network, the optimizer, the Dropout streams, the step and the epoch's
//                           running sums, written at the end of every epoch and on Ctrl-C
#pragma once
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "data/augment.h"
#include "data/labeled_dataset.h"
#include "models/classifier.h"
#include "optim/lr_schedule.h"
#include "optim/optimizer.h"
#include "train/csv_log.h"
#include "train/metrics.h"
#include "train/progress.h"
#include "train/run_directory.h"
#include "train/trainer.h"

namespace murine {

struct ClassifierRunConfig {
  ClassifierConfig model;                 // channels, image_size and classes are taken from the data
  std::string data = "fashion-mnist";     // fashion-mnist | mnist | cifar10 | folder (data/labeled_dataset.h)
  std::string data_dir = "";              // "" for fashion-mnist: the Debian package's files
  int64_t folder_image_size = 32;         // folder: images are resized to this side
  double val_split = 0.0;                 // fraction of the training set held out for validation
  int64_t train_limit = 0;                // > 0: train on the first N samples only (quick runs)
  int64_t test_limit = 0;                 // > 0: evaluate on the first N test samples only
  int64_t epochs = 1;
  int64_t batch = 32;
  int64_t eval_batch = 500;               // batch size of evaluation (does not change results)
  std::string optimizer = "";             // adam | rmsprop | sgd; "": the reference script's (recipe())
  double lr = 0.0;                        // 0: the recipe's
  double momentum = -1.0;                 // sgd / rmsprop; −1: the recipe's
  std::string schedule = "";              // "" (the recipe's), constant, step:E1,E2:F, inverse-time:D
  AugmentOptions augment;                 // off unless asked for
  uint64_t seed = 0;                      // weights, windows, split, shuffles, dropout, augmentation
  Device device = Device::CPU;

  // The reference script's optimizer, learning rate, momentum and schedule for this model, filled into
  // the fields left at their defaults (mlp: Adam 1e-3; mlp mouse: SGD 0.01; cnn: RMSprop 1e-4 with
  // Keras 2's decay 1e-6; lenet: SGD 1e-3 momentum 0.9; vgg16: Adam 5e-4, divided by 5 at epoch 150).
  ClassifierRunConfig with_recipe() const;
  nlohmann::json to_json() const;
  static ClassifierRunConfig from_json(const nlohmann::json& j);
  // Throws murine::Error naming the option for a nonsense value.
  void check(const std::string& op) const;
};

// Loss, accuracy and confusion matrix of a network on a labelled set (inference mode, no graph).
struct Evaluation {
  int64_t count = 0;
  double loss = 0.0;      // mean softmax cross-entropy
  double accuracy = 0.0;  // top-1
  double top5 = 0.0;      // top-5 (top-C for fewer than 5 classes)
  ConfusionMatrix confusion;
};
Evaluation evaluate(Module& network, const LabeledImages& set, int64_t batch = 500, Device device = Device::CPU);

// One row of history.csv; NaN where a split is absent.
struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  double train_loss, train_accuracy, val_loss, val_accuracy, test_loss, test_accuracy;
};

class ClassifierTrainer {
 public:
  // A fresh run in `dir`: loads the data and builds the network from manual_seed(config.seed); only
  // then creates `dir` (train/run_directory.h: a directory already holding a run is refused unless
  // `start` is RunStart::Overwrite) and writes config.json and summary.txt.
  ClassifierTrainer(ClassifierRunConfig config, std::string dir, RunStart start = RunStart::Fresh);
  // Continues the run in `dir` from its checkpoint (settings from the checkpoint; `epochs`, when larger
  // than the recorded total, extends the run). Bit-exact: the same as one straight run.
  static std::unique_ptr<ClassifierTrainer> resume(const std::string& dir, int64_t epochs = 0,
                                                   Device device = Device::CPU);

  // One training step on the next batch; at the end of an epoch evaluates, logs history.csv and saves
  // the checkpoint. Returns the batch's loss.
  double step();
  // Steps to the last epoch or to Ctrl-C (with install_interrupts), then saves and writes the confusion
  // matrix of a completed run.
  RunOutcome run(bool install_interrupts = true);
  void save() const;

  const ClassifierRunConfig& config() const { return config_; }
  const std::string& dir() const { return dir_; }
  Sequential& network() { return *net_; }
  const LabeledDataset& data() const { return data_; }
  const LabeledImages& validation() const { return val_; }
  const std::vector<EpochRecord>& history() const { return history_; }
  int64_t steps_done() const { return step_; }
  int64_t steps_per_epoch() const { return per_epoch_; }
  void set_progress_output(FILE* out) { progress_out_ = out; }

 private:
  ClassifierTrainer(ClassifierRunConfig config, std::string dir, const Checkpoint* resumed, RunStart start);
  std::string path(const std::string& file_name) const { return dir_ + "/" + file_name; }
  void end_epoch();

  ClassifierRunConfig config_;
  std::string dir_;
  std::unique_ptr<RunLock> lock_;  // the run directory is ours while the trainer lives (train/run_lock.h)
  LabeledDataset data_;   // data_.train is the part trained on (after the validation split and limit)
  LabeledImages val_;
  std::shared_ptr<Sequential> net_;
  std::unique_ptr<Optimizer> optimizer_;
  LrSchedule schedule_;
  int64_t per_epoch_ = 1, step_ = 0;
  std::vector<int64_t> order_;
  int64_t order_epoch_ = -1;
  double epoch_loss_sum_ = 0.0;     // Σ batch loss · batch size over the epoch so far
  double epoch_correct_ = 0.0, epoch_seen_ = 0.0;
  std::vector<EpochRecord> history_;
  std::unique_ptr<CsvLog> log_;
  std::unique_ptr<Progress> progress_;
  FILE* progress_out_ = stderr;
};

// A trained network rebuilt from a run's checkpoint (its config and weights); errors name the file.
struct LoadedClassifier {
  ClassifierRunConfig config;
  std::shared_ptr<Sequential> network;
};
LoadedClassifier load_classifier(const std::string& checkpoint_path, Device device = Device::CPU);

// The optimizer a config names, over `params` (with its recipe applied).
std::unique_ptr<Optimizer> make_optimizer(const ClassifierRunConfig& config, std::vector<Tensor> params);

}  // namespace murine
