// The threads layer.
#pragma once

#include <aio/threads/thread_pool.hpp>
