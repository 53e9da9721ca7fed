// A persistent pool of worker threads shared by the whole process (every
// worker_thread included). The caller always takes part in its own job, so
// a job finishes even with no workers, and several callers may run jobs at
// once (a job from each JS thread, and jobs nested inside tasks). Nothing is
// allocated per job.
//
// Fork/join is cheap while a run is going: a job is handed over through an
// atomic slot (no lock), workers that just finished a job spin for up to
// kWorkerSpin before they sleep, and the caller spins for up to kCallerSpin
// on the workers still inside its job before it blocks. When no job comes
// for kWorkerSpin the workers sleep on a condition variable, so an idle
// process uses no CPU.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spiking {

// The most threads a pool may have (setNumThreads, SPIKING_NUM_THREADS).
constexpr std::size_t kMaxThreads = 1024;

// How long a worker keeps polling for the next job after its last one
// before it sleeps. Within a run, the serial stretches between two split
// stages (listing arrivals, stepping a layer too small to split, counting
// spikes) last up to about 100 us at 1,000 neurons, batch 32; 200 us covers
// them, so a worker sleeps between runs, not between a run's stages, and a
// run leaves at most 200 us of one core's spin behind it. A sleeping worker
// costs a fork/join 3-7 us instead of 1-2 (bench:network's fork/join table,
// 2026-12-04), and joins the job that much later. OpenMP's defaults spin far
// longer (libgomp about 300,000 polls, LLVM's KMP_BLOCKTIME 200 ms); this
// machine is shared, and the spin yields the core every poll check.
constexpr std::chrono::microseconds kWorkerSpin{200};
// How long a caller polls for the workers still inside its job before it
// blocks: their tasks are the same size as its own, so they are normally
// done within a few microseconds; a worker that is preempted mid-task (a
// busy machine) is not worth burning the caller's core for.
constexpr std::chrono::microseconds kCallerSpin{50};

// A thread count written as text: a whole number from 1 to kMaxThreads, or
// 0 for anything else.
std::size_t parseThreads(const char* text);
// What is wrong with SPIKING_NUM_THREADS (the default pool size): a message
// naming it, what it must be and what it holds; empty when it is unset,
// empty or valid. The addon refuses to load while this is not empty.
std::string threadsVariableProblem();

class ThreadPool {
 public:
  using Task = void (*)(void* context, std::size_t index);

  static ThreadPool& instance();

  // Threads that take part in a job, the caller included (>= 1).
  std::size_t threads();
  void setThreads(std::size_t threads);

  // Runs task(context, i) for every i in [0, count) and returns when all are done.
  void parallelFor(std::size_t count, Task task, void* context);

  template <class F>
  void parallelFor(std::size_t count, F& f) {
    parallelFor(count, [](void* c, std::size_t i) { (*static_cast<F*>(c))(i); }, &f);
  }

  ~ThreadPool();

 private:
  struct Job;
  // One job's place in the pool. `job` is what workers see; `users` counts
  // the workers that may be inside it (a worker counts itself in before it
  // reads `job`, so the caller, which clears `job` and then waits for
  // `users` to reach 0, knows when its job, on its stack, is free of them).
  // `taken` keeps the slot for one caller from claim to release. Each slot
  // has its own cache line.
  struct alignas(64) Slot {
    std::atomic<Job*> job{nullptr};
    std::atomic<std::uint32_t> users{0};
    std::atomic<bool> taken{false};
    std::atomic<bool> waiting{false};  // the caller blocks on finished_ for users == 0
  };
  // Concurrent jobs (callers on several JS threads, nested jobs); a caller
  // that finds every slot taken runs its job alone.
  static constexpr std::size_t kSlots = 64;

  ThreadPool();
  void work();
  void stopWorkers();
  Slot* claim();
  bool helpOnce();
  void leave(Slot& slot);
  static bool drain(Job& job);

  Slot slots_[kSlots];
  alignas(64) std::atomic<std::uint64_t> epoch_{0};  // + 1 per job handed over
  std::atomic<std::size_t> used_{0};                 // 1 + the highest slot ever taken: workers scan [0, used_)
  std::atomic<std::size_t> sleepers_{0};             // workers waiting on wake_
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;                  // guards the sleeps on wake_ and finished_
  std::condition_variable wake_;      // workers: a job arrived, or stop
  std::condition_variable finished_;  // callers: the last worker left a job
  std::vector<std::thread> workers_;
  std::atomic<std::size_t> threads_{1};  // workers_.size() + 1
  std::mutex resize_;
};

}  // namespace spiking
