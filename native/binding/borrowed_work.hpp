// BorrowedWork: the base of every promise-returning native job (a layer's
// runAsync; Network.runAsync). It follows Node's convention for async calls
// on caller memory (fs.write, zlib): the job works on the caller's buffers in
// place, holding a reference to each so that none is collected before the
// promise settles, and the caller must not change them meanwhile. Nothing
// large is copied or allocated on the calling thread: a subclass allocates
// its outputs in execute(), on a libuv pool thread.
//
// It survives its environment going away. When a worker thread is terminated
// (or calls process.exit()) with a job in flight, Node waits for execute() to
// finish and then delivers the completion while tearing the environment down,
// when no JavaScript can run: settling the promise fails there. That failure
// is expected and dropped quietly (node-addon-api's AsyncWorker throws a C++
// exception out of the callback instead, which aborts the process). What the
// subclass did not hand to JavaScript is freed by its destructor. A cleanup
// hook marks the job orphaned should the environment's cleanup hooks ever run
// before the completion; an orphaned job then makes no N-API call at all.
//
// Subclasses: borrow() every JS value execute() touches, in the constructor
// or before start(); read nothing of JS in execute(); build the result in
// settle(), handing owned memory to JS as it goes (throwing a Napi::Error
// there rejects the promise); hold no Napi::Reference members (borrow instead:
// their destructors would call into a dead environment).
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

namespace spiking {

class BorrowedWork {
 public:
  virtual ~BorrowedWork() = default;
  BorrowedWork(const BorrowedWork&) = delete;
  BorrowedWork& operator=(const BorrowedWork&) = delete;

  // Queues the job; returns the promise that settles with settle()'s value.
  // Throws a Napi::Error (and the job is freed) if it cannot be queued.
  static Napi::Promise start(std::unique_ptr<BorrowedWork> work);

 protected:
  BorrowedWork(Napi::Env env, const char* name);

  // Keeps a JS object (a buffer, a typed array) alive until the job settles.
  void borrow(const Napi::Value& value);
  // The i-th borrowed value (on the JS thread).
  napi_value borrowed(std::size_t i) const;

  // On a libuv pool thread: no N-API calls, no JS memory but what was
  // borrowed. Report failures with setError (or by throwing std::exception);
  // then the promise rejects with an Error of that message.
  virtual void execute() = 0;
  void setError(std::string message) { error_ = std::move(message); }

  // On the JS thread, after a successful execute(): the value to resolve with.
  virtual Napi::Value settle(Napi::Env env) = 0;

  Napi::Env env() const { return Napi::Env(env_); }

 private:
  static void onExecute(napi_env env, void* data);
  static void onComplete(napi_env env, napi_status status, void* data);
  static void onTeardown(void* data);
  void deliver(napi_env env);
  void release(napi_env env);

  napi_env env_;
  std::string name_;
  std::vector<napi_ref> borrowed_;
  napi_deferred deferred_ = nullptr;
  napi_async_work work_ = nullptr;
  std::string error_;
  bool hooked_ = false;
  bool orphaned_ = false;  // the environment's cleanup hooks ran: no more N-API
};

// ---- implementation (header-only, so that any entry point can use it) ----

inline BorrowedWork::BorrowedWork(Napi::Env env, const char* name) : env_(env), name_(name) {}

inline void BorrowedWork::borrow(const Napi::Value& value) {
  napi_ref ref = nullptr;
  if (napi_create_reference(env_, value, 1, &ref) != napi_ok) {
    throw Napi::Error::New(env(), name_ + ": cannot hold on to an argument");
  }
  borrowed_.push_back(ref);
}

inline napi_value BorrowedWork::borrowed(std::size_t i) const {
  napi_value value = nullptr;
  if (i >= borrowed_.size() || napi_get_reference_value(env_, borrowed_[i], &value) != napi_ok) {
    throw Napi::Error::New(env(), name_ + ": lost an argument");
  }
  return value;
}

inline Napi::Promise BorrowedWork::start(std::unique_ptr<BorrowedWork> work) {
  const napi_env env = work->env_;
  napi_value name = nullptr, promise = nullptr;
  if (napi_create_string_utf8(env, work->name_.c_str(), NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, nullptr, name, onExecute, onComplete, work.get(), &work->work_) !=
          napi_ok) {
    work->release(env);
    throw Napi::Error::New(Napi::Env(env), work->name_ + ": cannot create the async work");
  }
  if (napi_create_promise(env, &work->deferred_, &promise) != napi_ok) {
    work->release(env);
    throw Napi::Error::New(Napi::Env(env), work->name_ + ": cannot create the promise");
  }
  work->hooked_ = napi_add_env_cleanup_hook(env, onTeardown, work.get()) == napi_ok;
  if (napi_queue_async_work(env, work->work_) != napi_ok) {
    Napi::Error error = Napi::Error::New(Napi::Env(env), work->name_ + ": cannot queue the work");
    napi_reject_deferred(env, work->deferred_, error.Value());
    work->release(env);
    return Napi::Promise(env, promise);
  }
  work.release();  // onComplete owns it now
  return Napi::Promise(env, promise);
}

inline void BorrowedWork::onExecute(napi_env, void* data) {
  auto* self = static_cast<BorrowedWork*>(data);
  try {
    self->execute();
  } catch (const std::exception& e) {
    self->setError(self->name_ + ": " + e.what());
  } catch (...) {
    self->setError(self->name_ + ": failed");
  }
}

inline void BorrowedWork::onTeardown(void* data) {
  auto* self = static_cast<BorrowedWork*>(data);
  self->orphaned_ = true;
  self->hooked_ = false;  // Node removes a hook once it has run
}

inline void BorrowedWork::onComplete(napi_env env, napi_status status, void* data) {
  std::unique_ptr<BorrowedWork> self(static_cast<BorrowedWork*>(data));
  if (self->orphaned_) return;  // the environment is gone: free our memory, touch nothing of it
  if (status == napi_ok) self->deliver(env);
  self->release(env);
}

// Settles the promise; when the environment cannot run JavaScript any more,
// every settling call fails, and the outcome is dropped.
inline void BorrowedWork::deliver(napi_env env) {
  napi_handle_scope scope = nullptr;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value outcome = nullptr;
  bool resolved = false;
  if (error_.empty()) {
    try {
      outcome = settle(Napi::Env(env));
      resolved = true;
    } catch (const Napi::Error& e) {
      outcome = e.Value();
    } catch (const std::exception& e) {
      error_ = name_ + ": " + e.what();
    }
  }
  if (outcome == nullptr) {
    napi_value message = nullptr;
    if (error_.empty()) error_ = name_ + ": failed";
    if (napi_create_string_utf8(env, error_.c_str(), NAPI_AUTO_LENGTH, &message) != napi_ok ||
        napi_create_error(env, nullptr, message, &outcome) != napi_ok) {
      outcome = nullptr;
    }
  }
  const napi_status settled = outcome == nullptr ? napi_generic_failure
                              : resolved         ? napi_resolve_deferred(env, deferred_, outcome)
                                                 : napi_reject_deferred(env, deferred_, outcome);
  if (settled != napi_ok) {
    // Nowhere to report it: leave no exception pending in a dying environment.
    bool pending = false;
    napi_value ignored = nullptr;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_get_and_clear_last_exception(env, &ignored);
    }
  }
  napi_close_handle_scope(env, scope);
}

// Drops the references, the cleanup hook and the work (the JS thread, the
// environment alive).
inline void BorrowedWork::release(napi_env env) {
  for (napi_ref ref : borrowed_) napi_delete_reference(env, ref);
  borrowed_.clear();
  if (hooked_) napi_remove_env_cleanup_hook(env, onTeardown, this);
  hooked_ = false;
  if (work_ != nullptr) napi_delete_async_work(env, work_);
  work_ = nullptr;
}

}  // namespace spiking
