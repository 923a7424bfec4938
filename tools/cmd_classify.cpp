// `murine train classifier` and `murine evaluate`: the command-line face of train/classifier_trainer.h.
// train classifier parses the flags (tools/classifier_options.h) into a ClassifierRunConfig, starts a
// fresh run in --out or resumes the one in --resume, and prints the last epoch's figures; evaluate
// rebuilds a network from a checkpoint and prints its loss, accuracy and confusion matrix on a data set.
#include <cmath>
#include <cstdio>
#include <memory>

#include "tensor/error.h"
#include "tools/classifier_options.h"
#include "tools/command.h"
#include "train/classifier_trainer.h"

namespace murine::cli {

namespace {

constexpr const char* kTrainOp = "murine train classifier";

void print_record(const EpochRecord& r) {
  std::printf("epoch %lld: train loss %.4f accuracy %.4f", (long long)r.epoch, r.train_loss, r.train_accuracy);
  if (!std::isnan(r.val_loss)) std::printf(", val loss %.4f accuracy %.4f", r.val_loss, r.val_accuracy);
  if (!std::isnan(r.test_loss)) std::printf(", test loss %.4f accuracy %.4f", r.test_loss, r.test_accuracy);
  std::printf("\n");
}

}  // namespace

Command add_train_classifier_command(CLI::App& train) {
  auto f = std::make_shared<ClassifierFlags>();
  auto out = std::make_shared<std::string>("run");
  auto resume = std::make_shared<std::string>();
  auto overwrite = std::make_shared<bool>(false);
  CLI::App* sub = train.add_subcommand("classifier", "train one of the papers' classifiers and write a run directory");
  add_classifier_flags(sub, *f);
  sub->add_option("--out", *out, "run directory")->capture_default_str();
  sub->add_option("--resume", *resume, "continue the run in this directory (--epochs extends it)");
  sub->add_flag("--overwrite", *overwrite, "replace the run that --out holds (deletes its files)");
  return {sub, [f, out, resume, overwrite, sub] {
            std::unique_ptr<ClassifierTrainer> trainer;
            if (resume->empty()) {
              trainer = std::make_unique<ClassifierTrainer>(classifier_run_config(*f, kTrainOp), *out,
                                                            *overwrite ? RunStart::Overwrite : RunStart::Fresh);
            } else {
              for (const CLI::Option* o : sub->get_options())
                MURINE_CHECK(!o->count() || o->get_name() == "--resume" || o->get_name() == "--epochs" ||
                                 o->get_name() == "--device" || o->get_name() == "--help",
                             kTrainOp << ": --resume continues with the settings in its checkpoint; " << o->get_name()
                                      << " cannot be given with it (only --epochs and --device can)");
              const bool epochs_given = sub->get_option("--epochs")->count() > 0;
              trainer = ClassifierTrainer::resume(*resume, epochs_given ? f->run.epochs : 0,
                                                  parse_device(f->device, kTrainOp));
            }
            const RunOutcome outcome = trainer->run();
            const std::string& dir = trainer->dir();
            if (outcome.interrupted) {
              std::fprintf(stderr, "\ninterrupted at step %lld: checkpoint saved to %s/checkpoint.safetensors "
                                   "(continue with --resume %s)\n", (long long)outcome.step, dir.c_str(), dir.c_str());
              return 130;
            }
            if (!trainer->history().empty()) print_record(trainer->history().back());
            std::printf("wrote %s: history.csv, confusion.txt, summary.txt, config.json, checkpoint.safetensors\n",
                        dir.c_str());
            return 0;
          }};
}

Command add_evaluate_command(CLI::App& app) {
  auto checkpoint = std::make_shared<std::string>();
  auto data = std::make_shared<std::vector<std::string>>();
  auto split = std::make_shared<std::string>("test");
  auto batch = std::make_shared<int64_t>(500);
  auto device = std::make_shared<std::string>("cpu");
  CLI::App* sub = app.add_subcommand("evaluate", "a trained classifier's loss, accuracy and confusion matrix");
  sub->add_option("--checkpoint", *checkpoint, "a classifier run's checkpoint.safetensors")->required();
  sub->add_option("--data", *data, "the data set (default: the run's): fashion-mnist, mnist DIR, cifar10 DIR, folder DIR")
      ->expected(1, 2);
  sub->add_option("--split", *split, "test or train")->capture_default_str();
  sub->add_option("--batch", *batch, "evaluation batch size")->capture_default_str();
  sub->add_option("--device", *device, "cpu or cuda")->capture_default_str();
  return {sub, [=] {
            const char* op = "murine evaluate";
            MURINE_CHECK(*split == "test" || *split == "train", op << ": --split must be test or train, got '" << *split << "'");
            LoadedClassifier c = load_classifier(*checkpoint, parse_device(*device, op));
            std::string kind = c.config.data, dir = c.config.data_dir;
            if (!data->empty()) kind = (*data)[0], dir = data->size() > 1 ? (*data)[1] : "";
            const LabeledDataset set = load_labeled_dataset(kind, dir, c.config.folder_image_size);
            const LabeledImages& images = *split == "test" ? set.test : set.train;
            MURINE_CHECK(images.size() > 0, op << ": the " << *split << " split of " << kind << " is empty");
            const ClassifierConfig& m = c.config.model;
            const Shape& s = images.images.shape();
            MURINE_CHECK(s[1] == m.channels && s[2] == m.image_size && s[3] == m.image_size && images.classes() == m.classes,
                         op << ": the network takes " << m.channels << "x" << m.image_size << "x" << m.image_size
                            << " images of " << m.classes << " classes; " << kind << " has " << shape_str(s)
                            << " of " << images.classes());
            const Evaluation e = evaluate(*c.network, images, *batch, c.config.device);
            std::printf("%s %s: %lld samples, loss %.4f, accuracy %.4f, top-5 accuracy %.4f\n", kind.c_str(),
                        split->c_str(), (long long)e.count, e.loss, e.accuracy, e.top5);
            std::printf("%s", e.confusion.format(images.class_names).c_str());
            return 0;
          }};
}

}  // namespace murine::cli
