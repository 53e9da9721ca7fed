#include "thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>

namespace spiking {

struct ThreadPool::Job {
  Task task;
  void* context;
  std::size_t count;
  std::atomic<std::size_t> next{0};
  std::size_t users = 0;  // workers inside the job; guarded by mutex_
};

namespace {
constexpr const char* kThreadsVariable = "SPIKING_NUM_THREADS";

std::size_t defaultThreads() {
  const std::size_t asked = parseThreads(std::getenv(kThreadsVariable));  // 0: unset (a bad value stops the load)
  if (asked) return asked;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores ? cores : 1;
}
}  // namespace

std::size_t parseThreads(const char* text) {
  if (!text || !*text) return 0;
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || n < 1 || n > static_cast<long long>(kMaxThreads)) return 0;
  return static_cast<std::size_t>(n);
}

std::string threadsVariableProblem() {
  const char* text = std::getenv(kThreadsVariable);
  if (!text || !*text || parseThreads(text)) return "";
  return std::string(kThreadsVariable) + "=" + text + " is not a thread count: expected a whole number from 1 to " +
         std::to_string(kMaxThreads) + ", or the variable unset for one thread per core";
}

ThreadPool& ThreadPool::instance() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::ThreadPool() {
  jobs_.reserve(256);
  setThreads(defaultThreads());
}

ThreadPool::~ThreadPool() { stopWorkers(); }

std::size_t ThreadPool::threads() { return threads_.load(std::memory_order_relaxed); }

void ThreadPool::setThreads(std::size_t threads) {
  std::lock_guard<std::mutex> resizing(resize_);
  stopWorkers();
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = false;
  for (std::size_t i = 1; i < std::max<std::size_t>(threads, 1); ++i) {
    workers_.emplace_back([this] { work(); });
  }
  threads_.store(workers_.size() + 1, std::memory_order_relaxed);
}

void ThreadPool::stopWorkers() {
  std::vector<std::thread> leaving;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    leaving.swap(workers_);
    threads_.store(1, std::memory_order_relaxed);
  }
  wake_.notify_all();
  for (std::thread& t : leaving) t.join();  // a worker finishes its job first
}

void ThreadPool::drain(Job& job) {
  for (std::size_t i; (i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.count;) {
    job.task(job.context, i);
  }
}

void ThreadPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Job* job = jobs_.front();
    ++job->users;
    lock.unlock();
    drain(*job);
    lock.lock();
    // Every index is claimed: retire the job so no other worker enters it.
    auto it = std::find(jobs_.begin(), jobs_.end(), job);
    if (it != jobs_.end()) jobs_.erase(it);
    --job->users;
    finished_.notify_all();
  }
}

void ThreadPool::parallelFor(std::size_t count, Task task, void* context) {
  if (count == 0) return;
  Job job;
  job.task = task;
  job.context = context;
  job.count = count;
  bool shared = false;
  if (count > 1) {
    std::lock_guard<std::mutex> lock(mutex_);
    // No workers, or a full job list: the caller does it all.
    if (!workers_.empty() && jobs_.size() < jobs_.capacity()) {
      jobs_.push_back(&job);
      shared = true;
    }
  }
  if (shared) wake_.notify_all();
  drain(job);
  if (!shared) return;
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = std::find(jobs_.begin(), jobs_.end(), &job);
  if (it != jobs_.end()) jobs_.erase(it);
  // The job lives on this stack: wait until no worker is inside it.
  finished_.wait(lock, [&job] { return job.users == 0; });
}

}  // namespace spiking
