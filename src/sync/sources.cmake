# sync: events, locks, conditions, semaphores, barriers, queues.
aio_layer(sync MAY_INCLUDE core)
target_sources(aio_sync PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/sync.cpp
    ${CMAKE_CURRENT_LIST_DIR}/wait_list.cpp)
