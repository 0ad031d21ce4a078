// The core layer: tasks, the loop, timers, composition, cancellation.
#pragma once

#include <aio/core/as_completed.hpp>
#include <aio/core/context_var.hpp>
#include <aio/core/dump_tasks.hpp>
#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/core/future.hpp>
#include <aio/core/gather.hpp>
#include <aio/core/generator.hpp>
#include <aio/core/shield.hpp>
#include <aio/core/sleep.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_group.hpp>
#include <aio/core/task_handle.hpp>
#include <aio/core/timeout.hpp>
#include <aio/core/wait.hpp>
#include <aio/core/with.hpp>
