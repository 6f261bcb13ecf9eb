// bitla/gemm/thread_pool.hpp — the default parallel driver's workers.
//
// Kernels take row / column ranges, so an engine can drive them from its own thread pool.
// For everyone else bitla has this one: persistent std::jthread workers (spawning threads
// per call would cost tens of microseconds, a tenth of a large GEMV), woken per job, that
// spin briefly before they sleep so back-to-back calls start fast (`pause` first, then
// sched_yield; the caller waits for the end the same way; docs/performance.md, "Threads").
//
// `run(tasks, f)` calls f(t) for t = 0 .. tasks-1, task t on thread t % size() (task 0 on
// the caller), and returns when all are done. The split is static, so which thread computes
// which output never depends on timing, and results do not depend on the thread count as
// long as every output element is computed by one task (the drivers guarantee that).
// Calls from several threads at once are serialised; they never interleave. A call made
// from inside a task of any ThreadPool (a gemm inside a parallel_for, say) runs its tasks
// inline, in order, on the calling thread: waiting for a pool there could wait for itself.
//
// A worker that finds itself on the CPU of another of the job's threads moves itself off it
// (Linux: its affinity mask without that CPU, then its own mask back). Under a hypervisor,
// Linux counts a virtual CPU that the host has descheduled as busy when it places a waking
// thread (vcpu_is_preempted), so a worker woken after a pause is often put on the caller's
// CPU; the two then share one CPU, taking turns at each yield, until the load balancer
// notices some milliseconds later (docs/performance.md, "Threads"). When run() has woken a
// sleeping worker it yields once, so a worker woken onto its CPU runs and moves at once. The
// caller's own affinity is never touched, and a worker whose mask allows one CPU stays.
//
// `default_pool()` has std::thread::hardware_concurrency() threads, or BITLA_NUM_THREADS.
#pragma once

#include <atomic>
#include <condition_variable>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "../core/error.hpp"

#if defined(__linux__)
#include <sched.h>
#endif

BITLA_BEGIN_NAMESPACE

namespace detail {
/// The CPU the calling thread runs on, or -1 where unknown.
inline int current_cpu() noexcept {
#if defined(__linux__)
    return ::sched_getcpu();
#else
    return -1;
#endif
}

/// Moves the calling thread off the CPUs in avoid[0, count) other than avoid[self] (its own
/// entry; entries < 0 name none): its affinity without them, which migrates it now, then its
/// own affinity back, so it is never left restricted. Nothing happens if that would leave no
/// CPU. True if it moved.
inline bool move_off_cpus(const std::atomic<int>* avoid, std::size_t count, std::size_t self) noexcept {
#if defined(__linux__)
    cpu_set_t own, other;
    if (::sched_getaffinity(0, sizeof own, &own) != 0) return false;
    other = own;
    for (std::size_t i = 0; i < count; ++i)
        if (const int c = avoid[i].load(std::memory_order_relaxed); i != self && c >= 0 && c < CPU_SETSIZE)
            CPU_CLR(static_cast<std::size_t>(c), &other);
    if (CPU_COUNT(&other) == 0 || ::sched_setaffinity(0, sizeof other, &other) != 0) return false;
    (void)::sched_setaffinity(0, sizeof own, &own);
    return true;
#else
    (void)avoid;
    (void)count;
    (void)self;
    return false;
#endif
}

/// Waits spin with `pause` first (a job or a finish is seen at once), then with sched_yield
/// (a yield is slow under a hypervisor, so a job posted during one is seen late). The pause
/// phase is bounded because a waiter placed on the other thread's CPU holds it until it
/// yields (docs/performance.md, "Threads").
inline constexpr int pause_spins = 1024;

/// How many ThreadPool tasks the calling thread is inside (nested run() calls go inline).
inline unsigned& pool_task_depth() noexcept {
    thread_local unsigned depth = 0;
    return depth;
}
/// Marks the calling thread as inside a pool task for its lifetime.
struct InPoolTask {
    InPoolTask() noexcept { ++pool_task_depth(); }
    ~InPoolTask() { --pool_task_depth(); }
    InPoolTask(const InPoolTask&) = delete;
    InPoolTask& operator=(const InPoolTask&) = delete;
};
inline void relax(int spin) noexcept {
    if (spin < pause_spins) {
#if defined(__x86_64__) || defined(__i386__)
        return __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");  // the spin-wait hint
        return;
#endif
    }
    std::this_thread::yield();
}
}  // namespace detail

class ThreadPool {
public:
    /// A pool of `threads` threads, the caller included (threads >= 1).
    explicit ThreadPool(unsigned threads) : size_(threads) {
        detail::require(threads >= 1 && threads <= 1024, "threads", "threads = ", threads, " is outside [1, 1024]");
        cpu_.reset(new std::atomic<int>[threads]);
        for (unsigned t = 0; t < threads; ++t) cpu_[t].store(-1, std::memory_order_relaxed);
        for (unsigned w = 1; w < threads; ++w)
            workers_.emplace_back([this, w](std::stop_token stop) { work(w, stop); });
    }
    ~ThreadPool() {
        for (auto& t : workers_) t.request_stop();
        {
            std::lock_guard lock(sleep_mutex_);
            wake_.notify_all();
        }
        workers_.clear();  // joins
    }
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    [[nodiscard]] unsigned size() const noexcept { return size_; }

    /// Calls f(t) for t in [0, tasks); task t runs on thread t % size(). Blocks until done.
    /// The first exception a task throws is rethrown here (the other tasks still finish).
    /// Called from inside a task of any pool, it runs every task on the calling thread.
    template <class F>
    void run(unsigned tasks, F&& f) {
        if (tasks == 0) return;
        if (tasks == 1 || size_ == 1 || detail::pool_task_depth() != 0) {
            for (unsigned t = 0; t < tasks; ++t) f(t);
            return;
        }
        std::lock_guard serial(run_mutex_);
        job_ = [&f](unsigned t) { f(t); };
        error_ = nullptr;
        const unsigned helpers = std::min(size_, tasks) - 1;
        pending_.store(helpers, std::memory_order_relaxed);
        note_cpu(0, detail::current_cpu());
        bool woke = false;
        {
            std::lock_guard lock(sleep_mutex_);
            // One word carries the generation and its task count, so a worker can never
            // pair one job's generation with another job's count.
            const std::uint64_t gen = (job_word_.load(std::memory_order_relaxed) >> 32) + 1;
            job_word_.store((gen << 32) | tasks, std::memory_order_release);
            woke = sleepers_ != 0;
            wake_.notify_all();
        }
        if (woke) std::this_thread::yield();  // a worker woken onto this CPU runs now and moves off it
        run_tasks_of(0, tasks);
        for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) detail::relax(spin);
        job_ = nullptr;
        if (error_) std::rethrow_exception(error_);
    }

private:
    /// Worker w, about to work with threads [0, used): if it shares a CPU with one of them
    /// (as last seen), it moves off all of theirs. Then it notes its own CPU.
    void spread(unsigned w, unsigned used) {
        int cpu = detail::current_cpu();
        if (cpu < 0) return;
        bool shared = false;
        for (unsigned t = 0; t < used && !shared; ++t)
            shared = t != w && cpu_[t].load(std::memory_order_relaxed) == cpu;
        if (shared && detail::move_off_cpus(cpu_.get(), used, w)) cpu = detail::current_cpu();
        note_cpu(w, cpu);
    }

    /// Thread t was seen on `cpu`. Stored only when it changed: the entries share cache
    /// lines, and a store at every call would pass the line between the caller (before it
    /// posts the job) and each worker (before it starts).
    void note_cpu(unsigned t, int cpu) noexcept {
        if (cpu_[t].load(std::memory_order_relaxed) != cpu) cpu_[t].store(cpu, std::memory_order_relaxed);
    }

    void run_tasks_of(unsigned thread, unsigned tasks) {
        const detail::InPoolTask inside;
        for (unsigned t = thread; t < tasks; t += size_) {
            try {
                job_(t);
            } catch (...) {
                std::lock_guard lock(error_mutex_);
                if (!error_) error_ = std::current_exception();
            }
        }
    }

    void work(unsigned w, std::stop_token stop) {
        std::uint64_t seen = 0;
        const auto generation = [](std::uint64_t word) { return word >> 32; };
        while (!stop.stop_requested()) {
            // Spin a little (a new job usually follows the last one closely), then sleep.
            std::uint64_t word = job_word_.load(std::memory_order_acquire);
            for (int spin = 0; generation(word) == seen && spin < 2000 + detail::pause_spins; ++spin) {
                detail::relax(spin);
                word = job_word_.load(std::memory_order_acquire);
            }
            if (generation(word) == seen) {
                std::unique_lock lock(sleep_mutex_);
                ++sleepers_;
                wake_.wait(lock, [&] {
                    return stop.stop_requested() || generation(job_word_.load(std::memory_order_acquire)) != seen;
                });
                --sleepers_;
                if (stop.stop_requested()) return;
                word = job_word_.load(std::memory_order_acquire);
            }
            seen = generation(word);
            const auto tasks = static_cast<unsigned>(word & 0xffffffffu);
            if (w < std::min(size_, tasks)) {  // only participants touch job_; run() waits for them
                spread(w, std::min(size_, tasks));
                run_tasks_of(w, tasks);
                pending_.fetch_sub(1, std::memory_order_acq_rel);
            }
        }
    }

    unsigned size_;
    std::vector<std::jthread> workers_;
    std::mutex run_mutex_, sleep_mutex_, error_mutex_;
    std::condition_variable wake_;
    std::atomic<std::uint64_t> job_word_{0};  ///< generation << 32 | task count
    std::atomic<unsigned> pending_{0};
    unsigned sleepers_ = 0;  ///< workers waiting on wake_ (guarded by sleep_mutex_)
    std::unique_ptr<std::atomic<int>[]> cpu_;  ///< the CPU each thread was last seen on (-1: unknown)
    std::function<void(unsigned)> job_;
    std::exception_ptr error_;
};

/// Threads the default pool starts with: BITLA_NUM_THREADS, else the hardware's.
[[nodiscard]] inline unsigned default_thread_count() {
    if (const char* s = std::getenv("BITLA_NUM_THREADS"); s != nullptr && *s != '\0') {
        char* end = nullptr;
        const long v = std::strtol(s, &end, 10);
        detail::require(end != s && *end == '\0' && v >= 1 && v <= 1024, "BITLA_NUM_THREADS", "BITLA_NUM_THREADS = '",
                        s, "' is not a thread count in [1, 1024]");
        return static_cast<unsigned>(v);
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : hw;
}

/// The pool bitla's drivers use unless given another.
[[nodiscard]] inline ThreadPool& default_pool() {
    static ThreadPool pool(default_thread_count());
    return pool;
}

/// Splits [0, n) into at most `parts` contiguous ranges whose starts are multiples of
/// `grain` (except the end), and calls f(begin, end) for each on the pool. A range is
/// never empty; parts = 0 means pool.size().
template <class F>
void parallel_for(std::size_t n, std::size_t grain, F&& f, ThreadPool& pool = default_pool(), unsigned parts = 0) {
    if (n == 0) return;
    if (grain == 0) grain = 1;
    if (parts == 0) parts = pool.size();
    const std::size_t blocks = (n + grain - 1) / grain;
    const std::size_t used = std::min<std::size_t>(parts, blocks);
    pool.run(static_cast<unsigned>(used), [&](unsigned t) {
        const std::size_t b0 = blocks * t / used, b1 = blocks * (t + 1) / used;
        const std::size_t begin = b0 * grain, end = std::min(n, b1 * grain);
        if (begin < end) f(begin, end);
    });
}

/// The trailing options of the XNOR, Hamming and compiled-expression products (the add-only
/// products take AddOptions, which carries the same `pool`).
struct RunOptions {
    ThreadPool* pool = nullptr;  ///< nullptr: default_pool()
};

/// Rows [row_begin, row_end) x columns [col_begin, col_end) of a product's output: the part
/// a `_block` form computes on the calling thread. `all` as an end means the whole extent.
struct OutputBlock {
    static constexpr std::size_t all = static_cast<std::size_t>(-1);
    std::size_t row_begin = 0, row_end = all, col_begin = 0, col_end = all;

    /// Rows [b, e), every column.
    [[nodiscard]] static constexpr OutputBlock rows(std::size_t b, std::size_t e) noexcept { return {b, e, 0, all}; }
    /// Columns [b, e), every row.
    [[nodiscard]] static constexpr OutputBlock columns(std::size_t b, std::size_t e) noexcept { return {0, all, b, e}; }
    /// The block with `all` replaced by the output's extents (m rows, n columns).
    [[nodiscard]] constexpr OutputBlock within(std::size_t m, std::size_t n) const noexcept {
        return {row_begin, row_end == all ? m : row_end, col_begin, col_end == all ? n : col_end};
    }
};

namespace detail {
inline ThreadPool& pool_of(ThreadPool* p) { return p != nullptr ? *p : default_pool(); }

/// `block` resolved against an m x n output; bitla::error (argument "block") if outside it.
inline OutputBlock checked_block(const OutputBlock& block, std::size_t m, std::size_t n) {
    const OutputBlock b = block.within(m, n);
    require(b.row_begin <= b.row_end && b.row_end <= m, "block", "block rows [", b.row_begin, ", ", b.row_end,
            ") are not inside [0, ", m, ")");
    require(b.col_begin <= b.col_end && b.col_end <= n, "block", "block columns [", b.col_begin, ", ", b.col_end,
            ") are not inside [0, ", n, ")");
    return b;
}
}  // namespace detail

BITLA_END_NAMESPACE
