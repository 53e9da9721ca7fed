// runAsync: JS may do anything to its buffers while a run is under way
// (write them, transfer them to another thread, let them be collected), so
// the work never touches JS memory off the main thread. The state and the
// inputs are copied in before the work is queued, the outputs are allocated
// here and handed to JS as they are, and the state is copied back on the
// main thread when the work is done.
#include "run_async.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "checks.hpp"
#include "../runtime/runner.hpp"

namespace spiking {
namespace {

using namespace checks;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using Block = std::unique_ptr<std::uint8_t, FreeDeleter>;

Block allocate(Napi::Env env, std::size_t bytes) {
  Block block(static_cast<std::uint8_t*>(std::malloc(bytes ? bytes : 1)));
  if (!block) fail(env, "runAsync: not enough memory for " + std::to_string(bytes) + " bytes");
  return block;
}

template <class T>
T* copyOf(Napi::Env env, const T* data, std::size_t count, Block& owner) {
  if (!data) return nullptr;
  owner = allocate(env, count * sizeof(T));
  std::memcpy(owner.get(), data, count * sizeof(T));
  return reinterpret_cast<T*>(owner.get());
}

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, Napi::ArrayBuffer slab, const SlabView& view, std::size_t steps,
            const RunPlan& inputs, std::uint32_t recordMask)
      : Napi::AsyncWorker(env, "spiking.runAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        slab_(Napi::Persistent(slab)),
        slabBytes_(view.bytes) {
    // The state: a private copy of the whole slab, decoded again so that the
    // layer points into the copy.
    state_ = allocate(env, view.bytes);
    std::memcpy(state_.get(), view.base, view.bytes);
    SlabView copy = view;
    copy.base = state_.get();
    layer_ = decodeLayer(env, copy);

    const std::size_t rows = steps * layer_.n, values = rows * inputs.width;
    plan_ = inputs;
    plan_.x = copyOf(env, inputs.x, values, x_);
    plan_.preTrace = copyOf(env, inputs.preTrace, values, preTrace_);
    plan_.bytes = copyOf(env, inputs.bytes, rows, x_);
    spikes_ = allocate(env, rows);
    plan_.spikes = spikes_.get();
    for (int r = 0; r < kRecords; ++r) {
      if (!(recordMask & (1u << r))) continue;
      records_[r] = allocate(env, rows * sizeof(float));
      *recordSlots(plan_, r) = reinterpret_cast<float*>(records_[r].get());
    }
    rows_ = rows;
  }

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { runLayer(layer_, plan_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::ArrayBuffer slab = slab_.Value().As<Napi::ArrayBuffer>();
    if (slab.Data() == nullptr || slab.ByteLength() != slabBytes_) {
      deferred_.Reject(Napi::Error::New(env, "runAsync: the layer's state buffer was detached "
                                             "while the run was under way; its results are lost")
                           .Value());
      return;
    }
    std::memcpy(slab.Data(), state_.get(), slabBytes_);

    Napi::Object result = Napi::Object::New(env);
    result["spikes"] = Napi::Uint8Array::New(env, rows_, release(env, spikes_, rows_), 0);
    Napi::Array records = Napi::Array::New(env, kRecords);
    for (int r = 0; r < kRecords; ++r) {
      if (!records_[r]) continue;
      const std::size_t bytes = rows_ * sizeof(float);
      records.Set(r, Napi::Float32Array::New(env, rows_, release(env, records_[r], bytes), 0));
    }
    result["records"] = records;
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  // Hands a block to JS as an external ArrayBuffer that frees it when collected.
  static Napi::ArrayBuffer release(Napi::Env env, Block& block, std::size_t bytes) {
    return Napi::ArrayBuffer::New(env, block.release(), bytes,
                                  [](Napi::Env, void* data) { std::free(data); });
  }

  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::ArrayBuffer> slab_;
  std::size_t slabBytes_;
  Block state_, x_, preTrace_, spikes_;
  Block records_[kRecords];
  Layer layer_;
  RunPlan plan_;
  std::size_t rows_ = 0;
};

}  // namespace

Napi::Value RunAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SlabView view = openSlab(env, info[0]);
  const Layer layer = decodeLayer(env, view);
  const std::size_t steps = stepCount(env, info[3], layer);
  const RunPlan inputs = runInputs(env, layer, steps, info[1], info[2]);
  const std::uint32_t mask = recordMaskArg(env, info[4], layer);
  auto* worker = new RunWorker(env, info[0].As<Napi::ArrayBuffer>(), view, steps, inputs, mask);
  Napi::Promise promise = worker->promise();
  worker->Queue();  // deletes itself when done
  return promise;
}

}  // namespace spiking
