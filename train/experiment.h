// The papers' classification experiments as functions: train several variants of one classifier with the
// same seeds and data order and collect their histories (compare), or sweep the reduction ratio p of the
// schizophrenia-mimicking layer (MNIST_3layersSchizo200905.py). Every run is a ClassifierTrainer with
// its own run directory under the experiment's; a run directory that already holds the finished run
// (same config, all epochs) is reused, so an interrupted experiment continues where it stopped.
//
// An experiment directory holds, besides the runs:
//   compare.csv   variant,run,seed,epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,
//                 test_accuracy,usage_percent        (one row per run and epoch)
//   summary.txt   per variant: %usage of the constrained layer and of the network, final test accuracy
//                 and loss as mean ± sd over the runs
//   sweep.csv     param_reduction,usage_percent,run,seed,test_loss,test_accuracy   (sweep only: final epoch)
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "train/classifier_trainer.h"

namespace murine {

// One variant: which layer is constrained and how. Written "standard", "sz:P" or "sz:P:FORM",
// "mouse:R" or "mouse:R:FORM" (e.g. "sz:0.7", "sz:0.5:gaussian", "mouse:0.4").
struct Variant {
  std::string name;  // as written
  std::string layer = "standard";
  double param_reduction = 0.5, window2d_width = 0.4;
  std::string form = "";
  static Variant parse(const std::string& text);
  // `base` with this variant's layer settings.
  ClassifierRunConfig apply(const ClassifierRunConfig& base) const;
};

struct ExperimentRun {
  std::string variant;
  int64_t run = 0;
  uint64_t seed = 0;
  double layer_usage = 100.0;    // %usage of the constrained layer(s) (100: none)
  double network_usage = 100.0;  // %usage of every kernel of the network
  std::vector<EpochRecord> history;
};

struct ExperimentOptions {
  ClassifierRunConfig base;       // everything but the layer choice; run r uses seed base.seed + r
  std::vector<Variant> variants;
  int64_t runs = 3;
  std::string dir = "experiment";
  FILE* progress = stderr;        // progress bars of the runs (nullptr: none)
};

// Trains runs × variants (run-major: run 0 of every variant, then run 1, …) and writes compare.csv and
// summary.txt. Stops early, with the runs so far, on Ctrl-C (the interrupted run keeps its checkpoint);
// `interrupted` is then set.
std::vector<ExperimentRun> compare_variants(const ExperimentOptions& options, bool* interrupted = nullptr);

// The sweep: one "sz:p" variant per value of `param_reductions` (form from options.base.model.form), as
// compare_variants, plus sweep.csv and a summary of the final test loss and accuracy against p.
std::vector<ExperimentRun> sweep_param_reduction(ExperimentOptions options, const std::vector<double>& param_reductions,
                                                 bool* interrupted = nullptr);

// The per-variant summary table (as summary.txt holds it).
std::string experiment_summary(const std::vector<ExperimentRun>& runs);

}  // namespace murine
