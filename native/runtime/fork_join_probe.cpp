#include "fork_join_probe.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "thread_pool.hpp"

namespace spiking {

ForkJoinTiming forkJoinProbe(std::size_t calls, std::chrono::microseconds pause) {
  using Clock = std::chrono::steady_clock;
  ThreadPool& pool = ThreadPool::instance();
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<std::size_t> byWorkers{0}, started{0};
  std::size_t count = 1;
  // A task counts itself in and waits for the call's other tasks: a call
  // returns once every thread has entered it and left it, and does no other work.
  auto task = [&](std::size_t) {
    if (std::this_thread::get_id() != caller) byWorkers.fetch_add(1, std::memory_order_relaxed);
    started.fetch_add(1);
    const Clock::time_point giveUp = Clock::now() + kForkJoinPatience;
    // Polls, and now and then a look at the clock and a yield (more threads than cores).
    for (unsigned polls = 1; started.load() < count; ++polls) {
      if (polls % 1024 == 0) {
        if (Clock::now() >= giveUp) break;
        std::this_thread::yield();
      }
    }
  };
  std::vector<double> micros(calls);
  std::size_t tasks = 0;
  for (std::size_t c = 0; c < calls; ++c) {
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
    count = pool.threads();
    started.store(0);
    const Clock::time_point t0 = Clock::now();
    pool.parallelFor(count, task);
    micros[c] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    tasks += count;
  }
  std::nth_element(micros.begin(), micros.begin() + (calls - 1) / 2, micros.end());
  ForkJoinTiming timing;
  timing.medianMicros = micros[(calls - 1) / 2];
  timing.workerShare = static_cast<double>(byWorkers.load()) / static_cast<double>(tasks);
  return timing;
}

}  // namespace spiking
