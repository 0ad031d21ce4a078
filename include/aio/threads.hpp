// The threads layer.
#pragma once

#include <aio/threads/run_coroutine_threadsafe.hpp>
#include <aio/threads/thread_pool.hpp>
