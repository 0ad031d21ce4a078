// run_options::io_batch_window, the option, and wait_moderator, the class that decides for
// each io_uring wait whether to hold it (src/io/wait_moderator.hpp). What holding does to
// a real loop: tests/unit/net/io_batch_window_test.cpp.
#include "io/wait_moderator.hpp"
#include "support/helpers.hpp"

#include <aio/core.hpp>

#include <string>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using aio::task;
using aio::detail::wait_moderator;
using aio_test::scoped_env;

namespace {

constexpr std::int64_t forever = -1;

/// Plain waits until the next probe; returns the probe's plan.
wait_moderator::plan next_probe(wait_moderator& m) {
    for (unsigned i = 1; i < wait_moderator::probe_every; ++i) {
        const auto p = m.next(forever);
        EXPECT_EQ(p.min_wait_us, 0u) << "wait " << i << " before the probe was held";
        m.observe(1);
    }
    return m.next(forever);
}

} // namespace

TEST(wait_moderator, window_zero_never_holds_a_wait) {
    wait_moderator m(0);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(m.next(forever).min_wait_us, 0u);
        m.observe(32); // even a flood of completions
    }
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(m.stats().waits, 1000u);
    EXPECT_EQ(m.stats().held, 0u);
}

TEST(wait_moderator, probes_one_wait_in_probe_every_while_off) {
    wait_moderator m(50);
    const auto probe = next_probe(m);
    EXPECT_EQ(probe.min_wait_us, 50u);
    EXPECT_EQ(probe.wait_nr, wait_moderator::max_batch);
    m.observe(1); // a lone connection: the probe collected one completion
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(next_probe(m).min_wait_us, 50u);
    m.observe(wait_moderator::on_at - 1);
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(m.stats().held, 2u);
    EXPECT_EQ(m.stats().waits, 2u * wait_moderator::probe_every);
}

TEST(wait_moderator, holds_every_wait_once_a_probe_collects_enough_and_stops_when_they_do_not) {
    wait_moderator m(50);
    next_probe(m);
    m.observe(wait_moderator::on_at);
    EXPECT_TRUE(m.holding());
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(m.next(forever).min_wait_us, 50u);
        m.observe(wait_moderator::off_below); // still paying
    }
    EXPECT_EQ(m.next(forever).min_wait_us, 50u);
    m.observe(wait_moderator::off_below - 1);
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(m.next(forever).min_wait_us, 0u) << "off again: back to plain waits";
}

TEST(wait_moderator, never_holds_a_wait_that_a_timer_ends_within_the_window) {
    wait_moderator m(50);
    next_probe(m);
    m.observe(wait_moderator::max_batch);
    ASSERT_TRUE(m.holding());
    EXPECT_EQ(m.next(49'999).min_wait_us, 0u); // timer due in 49.999 µs
    m.observe(0);
    EXPECT_TRUE(m.holding()) << "a plain wait says nothing about batching";
    EXPECT_EQ(m.next(50'000).min_wait_us, 50u);
}

TEST(wait_moderator, ignores_completions_of_polls_it_did_not_plan) {
    wait_moderator m(50);
    next_probe(m);
    m.observe(wait_moderator::max_batch);
    ASSERT_TRUE(m.holding());
    m.observe(0); // a non-blocking poll after the held wait
    EXPECT_TRUE(m.holding());
}

TEST(io_batch_window, rejects_a_bad_window_with_a_clear_error) {
    auto run_with = [](aio::run_options o) { aio::run([]() -> task<> { co_return; }(), o); };
    scoped_env env("AIO_IO_BATCH_US", nullptr);
    try {
        run_with({.io_batch_window = -1us});
        FAIL() << "a negative window was accepted";
    } catch (const aio::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("io_batch_window must be 0 to 10000"),
                  std::string::npos)
            << e.what();
    }
    scoped_env bad("AIO_IO_BATCH_US", "30us");
    try {
        run_with({});
        FAIL() << "AIO_IO_BATCH_US=30us was accepted";
    } catch (const aio::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("AIO_IO_BATCH_US must be 0 to 10000"),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("'30us'"), std::string::npos) << e.what();
    }
    for (const char* junk : {"+30", " 30", "-1", "10001", "99999999999999999999"}) {
        scoped_env bad_value("AIO_IO_BATCH_US", junk);
        EXPECT_THROW(run_with({}), aio::runtime_error) << "AIO_IO_BATCH_US='" << junk << "'";
    }
    // An explicit option wins over the environment, as run_options::backend does.
    scoped_env ignored("AIO_IO_BATCH_US", "junk");
    EXPECT_NO_THROW(run_with({.io_batch_window = 30us}));
}
