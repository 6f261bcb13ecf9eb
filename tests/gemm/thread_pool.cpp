#include <bitla/gemm/thread_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

using namespace bitla;

TEST_CASE("ThreadPool runs every task exactly once on its assigned thread", "[threads]") {
    for (unsigned threads : {1u, 2u, 3u, 5u}) {
        ThreadPool pool(threads);
        for (unsigned tasks : {1u, 2u, 3u, 7u, 64u}) {
            std::vector<std::atomic<int>> hits(tasks);
            std::vector<std::thread::id> who(tasks);
            for (int rep = 0; rep < 20; ++rep) {
                pool.run(tasks, [&](unsigned t) {
                    hits[t].fetch_add(1);
                    who[t] = std::this_thread::get_id();
                });
            }
            for (unsigned t = 0; t < tasks; ++t) {
                REQUIRE(hits[t].load() == 20);
                if (t % threads == 0) REQUIRE(who[t] == std::this_thread::get_id());
                REQUIRE(who[t] == who[t % threads]);  // static assignment
            }
        }
    }
}

TEST_CASE("ThreadPool rethrows a task's exception after all tasks finish", "[threads]") {
    ThreadPool pool(3);
    std::atomic<int> done{0};
    REQUIRE_THROWS_WITH(pool.run(6,
                                 [&](unsigned t) {
                                     done.fetch_add(1);
                                     if (t == 4) throw std::runtime_error("task 4 failed");
                                 }),
                        "task 4 failed");
    REQUIRE(done.load() == 6);
    pool.run(2, [&](unsigned) { done.fetch_add(1); });  // still usable
    REQUIRE(done.load() == 8);
}

TEST_CASE("ThreadPool serialises concurrent callers", "[threads]") {
    ThreadPool pool(2);
    std::atomic<long> sum{0};
    std::vector<std::jthread> callers;
    for (int c = 0; c < 4; ++c)
        callers.emplace_back([&] {
            for (int rep = 0; rep < 200; ++rep) pool.run(4, [&](unsigned t) { sum.fetch_add(t + 1); });
        });
    callers.clear();
    REQUIRE(sum.load() == 4L * 200 * 10);
}

TEST_CASE("parallel_for covers the range in grain-aligned disjoint pieces", "[threads]") {
    ThreadPool pool(3);
    for (std::size_t n : {1u, 5u, 64u, 1000u})
        for (std::size_t grain : {1u, 8u, 64u}) {
            std::vector<std::atomic<int>> hit(n);
            std::atomic<int> bad{0};  // Catch2 assertions are not thread-safe: count, check after
            parallel_for(
                n, grain,
                [&](std::size_t b, std::size_t e) {
                    if (b >= e || b % grain != 0) bad.fetch_add(1);
                    for (std::size_t i = b; i < e; ++i) hit[i].fetch_add(1);
                },
                pool);
            REQUIRE(bad.load() == 0);
            for (auto& h : hit) REQUIRE(h.load() == 1);
        }
}

TEST_CASE("ThreadPool runs nested calls inline instead of waiting for itself", "[threads][nested]") {
    // run() from inside a task of the same pool, of another pool, of the default pool and
    // of parallel_for: every inner task runs once, on the thread of the outer task. Before
    // nested calls went inline, each of these hung on the pool's run lock.
    ThreadPool a(2), b(3);
    for (ThreadPool* inner : {&a, &b, &default_pool()}) {
        std::vector<std::atomic<int>> hits(4 * 5);
        std::atomic<int> foreign{0};
        a.run(4, [&](unsigned t) {
            const auto self = std::this_thread::get_id();
            inner->run(5, [&](unsigned u) {
                hits[t * 5 + u].fetch_add(1);
                if (std::this_thread::get_id() != self) foreign.fetch_add(1);
            });
        });
        for (auto& h : hits) REQUIRE(h.load() == 1);
        REQUIRE(foreign.load() == 0);
    }
    std::atomic<long> sum{0};
    parallel_for(
        64, 8,
        [&](std::size_t b0, std::size_t e0) {
            parallel_for(
                e0 - b0, 1, [&](std::size_t b1, std::size_t e1) { sum.fetch_add(static_cast<long>(e1 - b1)); }, a);
        },
        b);
    REQUIRE(sum.load() == 64);
    // Cross nesting from two threads at once: a's tasks run b, b's tasks run a.
    std::atomic<int> done{0};
    {
        std::jthread one([&] {
            for (int r = 0; r < 50; ++r) a.run(2, [&](unsigned) { b.run(2, [&](unsigned) { done.fetch_add(1); }); });
        });
        std::jthread two([&] {
            for (int r = 0; r < 50; ++r) b.run(3, [&](unsigned) { a.run(2, [&](unsigned) { done.fetch_add(1); }); });
        });
    }
    REQUIRE(done.load() == 50 * 4 + 50 * 6);
    // After nesting, the pool still runs tasks on its own threads.
    std::thread::id second{};
    a.run(2, [&](unsigned t) {
        if (t == 1) second = std::this_thread::get_id();
    });
    REQUIRE(second != std::this_thread::get_id());
}

TEST_CASE("ThreadPool rejects a zero thread count", "[threads][errors]") {
    REQUIRE_THROWS_WITH(ThreadPool(0), Catch::Contains("threads = 0"));
}

#if defined(__linux__)
#include <sched.h>

namespace {
/// Restores the calling thread's affinity when the test ends, however it ends.
struct AffinityGuard {
    cpu_set_t own;
    AffinityGuard() { (void)sched_getaffinity(0, sizeof own, &own); }
    ~AffinityGuard() { (void)sched_setaffinity(0, sizeof own, &own); }
};
}  // namespace

TEST_CASE("A worker that shares the caller's CPU moves off it", "[threads]") {
    AffinityGuard guard;
    if (CPU_COUNT(&guard.own) < 2) {
        WARN("this process may run on one CPU only: nothing to spread over");
        return;
    }
    ThreadPool pool(2);
    const int c = sched_getcpu();
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);  // the caller stays on c
    int moved = 0, trials = 20;
    std::atomic<int> placed{0}, worker_cpu{-1};
    for (int i = 0; i < trials; ++i) {
        // The worker puts itself on c (mask {c}, then its mask back: it stays on c, as a
        // worker woken onto the caller's CPU does) ...
        pool.run(2, [&](unsigned t) {
            if (t == 1 && sched_setaffinity(0, sizeof one, &one) == 0) {
                placed.fetch_add(sched_getcpu() == c);
                (void)sched_setaffinity(0, sizeof guard.own, &guard.own);
            }
        });
        // ... and at the next job it is elsewhere.
        pool.run(2, [&](unsigned t) {
            if (t == 1) worker_cpu.store(sched_getcpu());
        });
        moved += worker_cpu.load() != c;
    }
    REQUIRE(placed.load() == trials);
    CHECK(moved >= trials - 2);
}
#endif
