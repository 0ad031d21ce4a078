# threads: the thread pool, to_thread, call_soon_threadsafe's users.
aio_layer(threads MAY_INCLUDE core)
target_sources(aio_threads PRIVATE ${CMAKE_CURRENT_LIST_DIR}/thread_pool.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_coroutine_threadsafe.cpp)
