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

TEST_CASE("ThreadPool rejects a zero thread count", "[threads][errors]") {
    REQUIRE_THROWS_WITH(ThreadPool(0), Catch::Contains("threads = 0"));
}
