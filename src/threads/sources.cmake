target_sources(aiocpp PRIVATE ${CMAKE_CURRENT_LIST_DIR}/thread_pool.cpp)
