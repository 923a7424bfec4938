# murine build. `make` builds build/libmurine.a and the CLI build/murine; `make test` runs the suite;
# `make CUDA=1 ...` also builds the CUDA backend (cuda/*.cu) into build/libmurine_cuda.a.
# Every target first runs `make deps`, which installs missing Debian packages.

# Build with every core unless the caller chose (make -jN); `make demo` on a fresh clone then compiles
# in about half the time.
# (Only at the top level: a sub-make shares its parent's job server.)
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
  MAKEFLAGS += -j$(shell nproc)
endif

CXX      ?= g++
NVCC     ?= $(shell command -v nvcc 2>/dev/null || echo $(CUDA_HOME)/bin/nvcc)
CUDA     ?= 0
CUDA_HOME ?= /usr/local/cuda
BUILD    ?= build
OBJ      := $(BUILD)/obj

# -fno-math-errno: sqrtf and friends never set errno (murine never reads it), so their loops vectorise;
# -fno-trapping-math: murine never reads the floating-point exception flags, so g++ may evaluate both
# sides of a select (x > 0 ? x : a·x, or a derivative's 1 : slope) and the loop becomes vector
# compares and masks instead of a branch per element (leaky relu forward/backward ~10× faster);
# -fvect-cost-model=dynamic: g++ 12's -O2 default ("very-cheap") refuses every loop that needs a runtime
# alias check, which is every elementwise loop over two pointers. None changes a result (no
# reassociation: reductions stay in order).
CXXFLAGS := -std=c++20 -O2 -g -fopenmp -fno-math-errno -fno-trapping-math -fvect-cost-model=dynamic -Wall -Wextra -Wno-unused-parameter -I. -MMD -MP
LDFLAGS  := -fopenmp
LDLIBS   := -lopenblas -lpthread -lz -lpng16 -ljpeg
# sm_90 machine code plus compute_90 PTX, which newer GPUs JIT-compile.
NVCCFLAGS := -std=c++20 -O2 -I. -MMD -MP \
             -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
             -Xcompiler -Wall,-fopenmp

# The library's rooms, lowest first (docs/architecture.md); tools/*.cpp is the CLI.
ROOMS     := tensor io autograd layers optim models data train
LIB_SRCS  := $(foreach room,$(ROOMS),$(wildcard $(room)/*.cpp))
CLI_SRCS  := $(wildcard tools/*.cpp)
TEST_SRCS := $(wildcard tests/*.cpp)
EXAMPLE_SRCS := $(wildcard examples/*.cpp)
CUDA_SRCS := $(wildcard cuda/*.cu)

LIB_OBJS  := $(LIB_SRCS:%.cpp=$(OBJ)/%.o)
CLI_OBJS  := $(CLI_SRCS:%.cpp=$(OBJ)/%.o)
TEST_OBJS := $(TEST_SRCS:%.cpp=$(OBJ)/%.o)
# CLI pieces without a main() that the unit tests call directly (case.json's field checks).
TEST_TOOL_OBJS := $(OBJ)/tools/case_fields.o
EXAMPLE_BINS := $(EXAMPLE_SRCS:%.cpp=$(BUILD)/%)
CUDA_OBJS := $(CUDA_SRCS:%.cu=$(OBJ)/%.o)

LIB := $(BUILD)/libmurine.a
ifeq ($(CUDA),1)
  MODE := cuda
  CUDA_LIB := $(BUILD)/libmurine_cuda.a
  # whole-archive: the CUDA backend registers itself from a static initialiser nobody references.
  LINK_LIBS := -Wl,--whole-archive $(CUDA_LIB) -Wl,--no-whole-archive $(LIB) \
               -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas -lcudart
else
  MODE := cpu
  CUDA_LIB :=
  LINK_LIBS := $(LIB)
endif

# build/mode records the last link mode, so switching CUDA=0/1 relinks the binaries.
$(shell mkdir -p $(BUILD); [ "$$(cat $(BUILD)/mode 2>/dev/null)" = "$(MODE)" ] || echo $(MODE) > $(BUILD)/mode)

.PHONY: fuzz fuzz-build fuzz-bins fuzz-replay sanitize sanitize-bins sanitize-replay sanitize-replay-bins all deps test check-includes examples demo demo-ddim demo-classify clean
all: $(BUILD)/murine $(BUILD)/murine_tests

deps:
	@tools/install_deps.sh

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libmurine_cuda.a: $(CUDA_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/murine: $(CLI_OBJS) $(LIB) $(CUDA_LIB) $(BUILD)/mode
	$(CXX) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LINK_LIBS) $(LDLIBS)

$(BUILD)/murine_tests: $(TEST_OBJS) $(TEST_TOOL_OBJS) $(LIB) $(CUDA_LIB) $(BUILD)/mode
	$(CXX) $(LDFLAGS) -o $@ $(TEST_OBJS) $(TEST_TOOL_OBJS) $(LINK_LIBS) -lgtest $(LDLIBS)

# Programs that use the library as a C++ user would (examples/*.cpp, one binary each).
examples: $(EXAMPLE_BINS)
.SECONDARY: $(EXAMPLE_SRCS:%.cpp=$(OBJ)/%.o)

$(BUILD)/examples/%: $(OBJ)/examples/%.o $(LIB) $(CUDA_LIB) $(BUILD)/mode
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS)

$(OBJ)/%.o: %.cpp | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(OBJ)/%.o: %.cu | deps
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c $< -o $@

# The unit tests, then `murine verify` over tests/reference; ends with the plain line
# "N passed, N failed, N skipped" adding both (tools/run_tests.sh).
test: all examples check-includes
	@tools/run_tests.sh $(BUILD)

# The include rules between the library's rooms (docs/architecture.md).
check-includes:
	@tools/check_includes.sh

# The cat-face demo: a small mouse-mimetic DCGAN on synthetic cats, pictures under demo/ (tools/demo.sh).
demo: $(BUILD)/murine
	@MURINE=$(BUILD)/murine tools/demo.sh dcgan

# The same with a small mouse-mimetic DDIM, pictures under demo/ddim/ (longer: see the README).
demo-ddim: $(BUILD)/murine
	@MURINE=$(BUILD)/murine tools/demo.sh ddim

# The classification demo: standard against SzDense MLPs on Fashion-MNIST, under demo/classify/.
demo-classify: $(BUILD)/murine
	@MURINE=$(BUILD)/murine tools/demo.sh classify

# Fuzzing (fuzz/README.md): the library built by clang++-14 with libFuzzer's coverage, ASan and UBSan
# into its own folder build-fuzz/ (never build/), one harness per reader. `make fuzz` mutates each
# harness's corpus for FUZZ_SECONDS; `make fuzz-replay` only replays the committed corpus (for CI).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CXXFLAGS := -std=c++20 -O1 -g -fopenmp -fno-omit-frame-pointer $(FUZZ_SANFLAGS) \
                 -fsanitize=fuzzer-no-link -Wall -Wno-unused-parameter -I. -MMD -MP
FUZZ_HARNESSES := $(patsubst fuzz/fuzz_%.cpp,%,$(filter-out fuzz/fuzz_input.cpp,$(wildcard fuzz/fuzz_*.cpp)))
FUZZ_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/fuzz_%)

# Run inside the sub-make that has BUILD=build-fuzz CXX=clang++-14 CXXFLAGS=$(FUZZ_CXXFLAGS).
fuzz-bins: $(FUZZ_BINS)
.SECONDARY: $(FUZZ_HARNESSES:%=$(OBJ)/fuzz/fuzz_%.o) $(OBJ)/fuzz/fuzz_input.o
$(BUILD)/fuzz/fuzz_%: $(OBJ)/fuzz/fuzz_%.o $(OBJ)/fuzz/fuzz_input.o $(OBJ)/tools/reference_case.o $(OBJ)/tools/case_fields.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) -fopenmp $(FUZZ_SANFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-build:
	@tools/install_deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CXX=clang++-14 CXXFLAGS='$(FUZZ_CXXFLAGS)' fuzz-bins

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) tools/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

fuzz-replay: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) tools/fuzz.sh replay 0 $(FUZZ_HARNESSES)

# `make sanitize` (tools/sanitize.sh): the library, CLI and tests built by g++ with AddressSanitizer and
# UBSan (-O1, every UB report fatal) into build-sanitize/, then the unit tests, the reference cases,
# a tiny train/resume/sample through the CLI, and the fuzz corpus replayed through each harness linked
# with fuzz/replay_main.cpp instead of libFuzzer (so it needs no clang).
SAN_BUILD := build-sanitize
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_CXXFLAGS := $(filter-out -O2,$(CXXFLAGS)) -O1 $(SAN_FLAGS)
REPLAY_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/replay/replay_%)

# Run inside the sub-make that has BUILD=build-sanitize CXXFLAGS=$(SAN_CXXFLAGS).
sanitize-bins: $(BUILD)/murine $(BUILD)/murine_tests $(REPLAY_BINS)
.SECONDARY: $(OBJ)/fuzz/replay_main.o
$(BUILD)/replay/replay_%: $(OBJ)/fuzz/fuzz_%.o $(OBJ)/fuzz/fuzz_input.o $(OBJ)/fuzz/replay_main.o \
                          $(OBJ)/tools/reference_case.o $(OBJ)/tools/case_fields.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

sanitize:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CXXFLAGS='$(SAN_CXXFLAGS)' LDFLAGS='-fopenmp $(SAN_FLAGS)' \
	  sanitize-bins
	@tools/sanitize.sh $(SAN_BUILD)

# `make sanitize-replay` (CI, .ci/run): only the corpus replay step of `make sanitize`, every harness,
# on the same sanitized build.
sanitize-replay-bins: $(REPLAY_BINS)

sanitize-replay:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CXXFLAGS='$(SAN_CXXFLAGS)' LDFLAGS='-fopenmp $(SAN_FLAGS)' \
	  sanitize-replay-bins
	@tools/sanitize.sh $(SAN_BUILD) replay

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(CUDA_OBJS:.o=.d) $(EXAMPLE_SRCS:%.cpp=$(OBJ)/%.d) \
         $(wildcard $(OBJ)/fuzz/*.d)
