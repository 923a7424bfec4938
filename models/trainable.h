// Trainable: one face over the three models a user trains (the PyTorch-flavour DCGAN, the Keras-flavour
// DCGAN, the DDIM), so `murine train`, `murine sample` and `murine bench` drive them the same way. A model
// is built from a ModelConfig, which is also what a run's config.json and checkpoint record; a checkpoint
// therefore carries everything needed to rebuild its model.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "layers/module.h"
#include "models/pixel_range.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace murine {

// The sizes and switches of a model. Fields a model does not use are ignored by it (and still recorded).
struct ModelConfig {
  std::string model = "dcgan_torch";  // dcgan_torch | dcgan_keras | ddim
  int64_t image_size = 32;
  double window2d_width = 0.4;        // r of the mouse layers
  bool standard = false;              // plain layers instead of the mouse layers
  double lr = 0.0;                    // 0: the model's own default (2e-4, 1e-4, 2e-4)
  // GANs
  int64_t latent = 100;
  int64_t ngf = 32, ndf = 32;         // dcgan_torch widths
  double width_scale = 1.0;           // dcgan_keras: multiplies 1024/512/256/128 and 64…512
  // DDIM
  std::vector<int64_t> widths = {64, 128, 256, 512};
  int64_t block_depth = 2;
  int64_t attention_resolution = -1;  // −1: image_size / 4 (the reference scripts' 16 at 64)
  int64_t sampling_steps = 20;        // DDIM steps for sample grids
  double ema = 0.999;                 // DDIM: decay of the EMA weights used for sampling

  nlohmann::json to_json() const;
  // Reads the keys above from `j`; a missing key keeps its default. Throws naming a key of the wrong type.
  static ModelConfig from_json(const nlohmann::json& j);
};

using StateDict = std::map<std::string, Tensor>;
using StateParts = std::map<std::string, StateDict>;

// The part `name` of a model's state (or of a checkpoint's parts), or an error naming the parts there are.
const StateDict& checkpoint_part(const StateParts& parts, const std::string& name);

class Trainable {
 public:
  virtual ~Trainable() = default;
  // One line naming the model and every size that fixes a tensor shape, e.g.
  // "dcgan_torch latent=100 ngf=32 ndf=32 image=32 r=0.4". A checkpoint is loaded only into a model
  // with the same line.
  virtual std::string architecture() const = 0;
  // The pixel range the model is trained on ([-1, 1] for the PyTorch flavour, [0, 1] otherwise).
  virtual PixelRange pixel_range() const = 0;
  // Column names of losses.csv after "step", in the order train_step returns them.
  virtual std::vector<std::string> loss_names() const = 0;
  // Called once before the first step of a fresh run with the whole training set (the DDIM adapts its
  // normaliser to it); a no-op for the GANs.
  virtual void prepare(const Tensor& images) {}
  // One training step on `real` (N, 3, S, S) in pixel_range(), noise drawn from `gen`.
  virtual std::vector<double> train_step(const Tensor& real, Generator& gen) = 0;
  // n images (n, 3, S, S) in [0, 1] from noise drawn from `gen` (the generator in inference mode; the
  // DDIM's EMA network with sampling_steps, or `steps` when positive).
  virtual Tensor sample(int64_t n, Generator& gen, int64_t steps = 0) = 0;
  // Every weight, optimizer and EMA state, as checkpoint parts (train/checkpoint.h).
  virtual StateParts state_parts() const = 0;
  virtual void load_state_parts(const StateParts& parts) = 0;
  // The networks, named ("generator", "discriminator" / "network"), for weight tables and summaries.
  virtual std::vector<std::pair<std::string, Module*>> networks() = 0;
  // Every module holding state that lives on a device (networks() plus the DDIM's EMA network and
  // normaliser).
  virtual std::vector<Module*> modules() {
    std::vector<Module*> out;
    for (auto& [name, m] : networks()) out.push_back(m);
    return out;
  }
  virtual const ModelConfig& config() const = 0;
  // summary() of every network (models/summary.h): layers, output shapes, parameters, %usage.
  virtual std::string summary_text() = 0;
  // Moves the networks (and the DDIM's EMA network and normaliser) to `device`; call it before the
  // first step (optimizer state is created on the parameters' device at the first step).
  void to(Device device) {
    for (Module* m : modules()) m->to(device);
  }

  // The networks' random streams (Dropout masks) as "<network>.<module>" → state, for a checkpoint's
  // `streams`; load_streams restores the ones present (a checkpoint without them leaves them as built).
  std::map<std::string, Generator> streams();
  void load_streams(const std::map<std::string, Generator>& saved);
};

// Builds the model `config.model` (weights drawn from global_generator(); call manual_seed first).
// Throws murine::Error naming the option for an unknown model or a nonsense size.
std::unique_ptr<Trainable> make_trainable(const ModelConfig& config);

}  // namespace murine
