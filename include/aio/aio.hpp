// Umbrella header: everything aiocpp offers. For users; the library never includes it.
#pragma once

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/os.hpp>
#include <aio/pg.hpp>
#include <aio/sync.hpp>
#include <aio/threads.hpp>
#include <aio/ws.hpp>
