// runAsync: a layer's run() off the event loop, on the caller's memory
// (BorrowedWork): the layer's state slab and the inputs are borrowed and used
// in place, so starting a run copies nothing and allocates nothing large on
// the calling thread; the outputs are allocated on the pool thread and handed
// to JS as they are. The state changes in place as the run goes (lib/ refuses
// the layer's methods until it settles).
#include "run_async.hpp"

#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "borrowed_work.hpp"
#include "checks.hpp"
#include "../runtime/runner.hpp"

namespace spiking {
namespace {

using namespace checks;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using Block = std::unique_ptr<std::uint8_t, FreeDeleter>;

class LayerRun final : public BorrowedWork {
 public:
  LayerRun(Napi::Env env, const Napi::Value& slab, const Napi::Value& x, const Napi::Value& preTrace,
           const SlabView& view, const Layer& layer, const RunPlan& inputs, std::uint32_t recordMask)
      : BorrowedWork(env, "spiking.runAsync"),
        layer_(layer),
        plan_(inputs),
        recordMask_(recordMask),
        rows_(inputs.steps * layer.n),
        slabData_(view.base),
        slabBytes_(view.bytes) {
    borrow(slab);
    borrow(x);
    if (preTrace.IsObject()) borrow(preTrace);
  }

 protected:
  void execute() override {
    // Every output first: if one cannot be had, the state is left untouched.
    spikes_ = allocate(rows_);
    if (!spikes_) return;
    plan_.spikes = spikes_.get();
    for (int r = 0; r < kRecords; ++r) {
      if (!(recordMask_ & (1u << r))) continue;
      records_[r] = allocate(rows_ * sizeof(float));
      if (!records_[r]) return;
      *recordSlots(plan_, r) = reinterpret_cast<float*>(records_[r].get());
    }
    runLayer(layer_, plan_);
  }

  Napi::Value settle(Napi::Env env) override {
    void* data = nullptr;
    std::size_t bytes = 0;
    if (napi_get_arraybuffer_info(env, borrowed(0), &data, &bytes) != napi_ok ||
        data != slabData_ || bytes != slabBytes_) {
      throw Napi::Error::New(env, "runAsync: the layer's state buffer was detached while the run "
                                  "was under way; its results are lost");
    }
    Napi::Object result = Napi::Object::New(env);
    result["spikes"] = Napi::Uint8Array::New(env, rows_, release(env, spikes_, rows_), 0);
    Napi::Array records = Napi::Array::New(env, kRecords);
    for (int r = 0; r < kRecords; ++r) {
      if (!records_[r]) continue;
      const std::size_t bytes = rows_ * sizeof(float);
      records.Set(r, Napi::Float32Array::New(env, rows_, release(env, records_[r], bytes), 0));
    }
    result["records"] = records;
    return result;
  }

 private:
  Block allocate(std::size_t bytes) {
    Block block(static_cast<std::uint8_t*>(std::malloc(bytes)));
    if (!block) setError("runAsync: not enough memory for the outputs (" + std::to_string(bytes) + " bytes)");
    return block;
  }

  // Hands a block to JS as an external ArrayBuffer that frees it when
  // collected; the block stays ours (and is freed by us) if that fails.
  static Napi::ArrayBuffer release(Napi::Env env, Block& block, std::size_t bytes) {
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, block.get(), bytes, [](Napi::Env, void* data) { std::free(data); });
    block.release();
    return buffer;
  }

  Layer layer_;
  RunPlan plan_;
  std::uint32_t recordMask_;
  std::size_t rows_;
  void* slabData_;
  std::size_t slabBytes_;
  Block spikes_;
  Block records_[kRecords];
};

}  // namespace

Napi::Value RunAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SlabView view = openSlab(env, info[0]);
  const Layer layer = decodeLayer(env, view);
  const std::size_t steps = stepCount(env, info[3], layer);
  const RunPlan inputs = runInputs(env, layer, steps, info[1], info[2]);
  const std::uint32_t mask = recordMaskArg(env, info[4], layer);
  return BorrowedWork::start(
      std::make_unique<LayerRun>(env, info[0], info[1], info[2], view, layer, inputs, mask));
}

}  // namespace spiking
