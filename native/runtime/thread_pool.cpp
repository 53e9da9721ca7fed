#include "thread_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#if defined(__linux__)
#include <pthread.h>
#endif
#if defined(_MSC_VER)
#include <intrin.h>
#elif defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace spiking {

struct ThreadPool::Job {
  Task task;
  void* context;
  std::size_t count;
  std::atomic<std::size_t> next{0};
};

namespace {
constexpr const char* kThreadsVariable = "SPIKING_NUM_THREADS";
using Clock = std::chrono::steady_clock;
// Polls between two looks at the clock and yields of the core, about 0.6 us
// of pause instructions (9-10 ns each on the machine of docs/performance.md)
// and 0.2 us of yield. The yield matters: when the other cores are busy
// the scheduler may put a worker on its caller's core, and a worker that
// spun without yielding kept the caller off it for the whole spin (with a
// busy second core, bench's fork/join went from 2 us to 200 us, the spin).
// On an idle core a yield returns at once.
constexpr unsigned kPollsPerCheck = 64;

// Workers are named "spiking-pool" where the system allows it, so that top,
// perf and /proc/<pid>/task/*/comm tell them from Node's own threads (the
// idle-CPU test reads theirs alone).
void nameWorker() {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), "spiking-pool");
#endif
}

std::size_t defaultThreads() {
  const std::size_t asked = parseThreads(std::getenv(kThreadsVariable));  // 0: unset (a bad value stops the load)
  if (asked) return asked;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores ? cores : 1;
}

// A spin-wait hint: the core slows the loop down and gives its resources to
// a sibling hyperthread, and leaving the loop does not flush the pipeline.
inline void cpuPause() {
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_pause();
#elif defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

// Polls done() with a pause between looks for up to `limit`; whether it came true.
template <class Done>
bool spinUntil(Done done, std::chrono::microseconds limit) {
  const Clock::time_point until = Clock::now() + limit;
  for (unsigned polls = 1;; ++polls) {
    if (done()) return true;
    cpuPause();
    if (polls % kPollsPerCheck == 0) {
      if (Clock::now() >= until) return done();
      std::this_thread::yield();
    }
  }
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

ThreadPool::ThreadPool() { setThreads(defaultThreads()); }

ThreadPool::~ThreadPool() { stopWorkers(); }

std::size_t ThreadPool::threads() { return threads_.load(std::memory_order_relaxed); }

void ThreadPool::setThreads(std::size_t threads) {
  std::lock_guard<std::mutex> resizing(resize_);
  stopWorkers();
  stopping_.store(false);
  for (std::size_t i = 1; i < std::max<std::size_t>(threads, 1); ++i) {
    workers_.emplace_back([this] {
      nameWorker();
      work();
    });
  }
  threads_.store(workers_.size() + 1, std::memory_order_relaxed);
}

void ThreadPool::stopWorkers() {
  std::vector<std::thread> leaving;
  leaving.swap(workers_);
  threads_.store(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : leaving) t.join();  // a worker finishes its share of a job first
}

bool ThreadPool::drain(Job& job) {
  bool ran = false;
  for (std::size_t i; (i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.count;) {
    job.task(job.context, i);
    ran = true;
  }
  return ran;
}

void ThreadPool::leave(Slot& slot) {
  // The last worker out wakes a caller that stopped spinning (it set
  // `waiting` before it read `users`: one of the two sees the other).
  if (slot.users.fetch_sub(1) == 1 && slot.waiting.load()) {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_.notify_all();
  }
}

bool ThreadPool::helpOnce() {
  bool ran = false;
  const std::size_t used = used_.load();
  for (std::size_t s = 0; s < used; ++s) {
    Slot& slot = slots_[s];
    if (slot.job.load(std::memory_order_relaxed) == nullptr) continue;
    slot.users.fetch_add(1);
    // Counted in before this read: a job read here stays alive until leave().
    if (Job* job = slot.job.load(); job && job->next.load(std::memory_order_relaxed) < job->count) ran |= drain(*job);
    leave(slot);
  }
  return ran;
}

void ThreadPool::work() {
  for (;;) {
    const std::uint64_t seen = epoch_.load();  // before the scan: a job handed over during it moves the epoch
    if (stopping_.load()) return;
    if (helpOnce()) continue;
    const auto moved = [&] { return epoch_.load(std::memory_order_relaxed) != seen || stopping_.load(std::memory_order_relaxed); };
    if (spinUntil(moved, kWorkerSpin)) continue;
    std::unique_lock<std::mutex> lock(mutex_);
    sleepers_.fetch_add(1);
    // A caller reads sleepers_ after it moves the epoch: it sees this worker, or this worker sees its job.
    wake_.wait(lock, [&] { return stopping_.load() || epoch_.load() != seen; });
    sleepers_.fetch_sub(1);
  }
}

ThreadPool::Slot* ThreadPool::claim() {
  for (std::size_t s = 0; s < kSlots; ++s) {
    Slot& slot = slots_[s];
    if (slot.taken.load(std::memory_order_relaxed)) continue;
    bool free = false;
    if (!slot.taken.compare_exchange_strong(free, true)) continue;
    // Workers scan slots [0, used_): raise it before the job is handed over.
    std::size_t used = used_.load();
    while (used < s + 1 && !used_.compare_exchange_weak(used, s + 1)) {
    }
    return &slot;
  }
  return nullptr;
}

void ThreadPool::parallelFor(std::size_t count, Task task, void* context) {
  if (count == 0) return;
  Slot* slot = count > 1 && threads_.load(std::memory_order_relaxed) > 1 ? claim() : nullptr;
  if (!slot) {  // one task, no workers, or every slot taken: the caller does it all
    for (std::size_t i = 0; i < count; ++i) task(context, i);
    return;
  }
  Job job;
  job.task = task;
  job.context = context;
  job.count = count;
  slot->job.store(&job);
  epoch_.fetch_add(1);
  if (sleepers_.load() != 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }  // a worker between its check and its wait is now waiting
    wake_.notify_all();
  }
  drain(job);
  // Every index is claimed: retire the job, then wait until no worker is
  // inside it (it lives on this stack), spinning first, then blocking.
  slot->job.store(nullptr);
  const auto left = [slot] { return slot->users.load() == 0; };
  if (!spinUntil(left, kCallerSpin)) {
    std::unique_lock<std::mutex> lock(mutex_);
    slot->waiting.store(true);
    finished_.wait(lock, left);
    slot->waiting.store(false);
  }
  slot->taken.store(false, std::memory_order_release);
}

}  // namespace spiking
