// A persistent pool of worker threads shared by the whole process (every
// worker_thread included). The caller always takes part in its own job, so
// a job finishes even with no workers, and several callers may run jobs at
// once. Nothing is allocated per job.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spiking {

// The most threads a pool may have (setNumThreads, SPIKING_NUM_THREADS).
constexpr std::size_t kMaxThreads = 1024;

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
  ThreadPool();
  void work();
  void stopWorkers();
  static void drain(Job& job);

  std::mutex mutex_;
  std::condition_variable wake_;      // workers: a job arrived, or stop
  std::condition_variable finished_;  // callers: a worker left a job
  std::vector<Job*> jobs_;            // capacity reserved once
  std::vector<std::thread> workers_;
  std::atomic<std::size_t> threads_{1};  // workers_.size() + 1, read without the lock
  bool stopping_ = false;
  std::mutex resize_;
};

}  // namespace spiking
