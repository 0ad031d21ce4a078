// The sync layer: primitives for coordinating tasks on one loop.
#pragma once

#include <aio/sync/barrier.hpp>
#include <aio/sync/condition.hpp>
#include <aio/sync/event.hpp>
#include <aio/sync/lock.hpp>
#include <aio/sync/queue.hpp>
#include <aio/sync/semaphore.hpp>
