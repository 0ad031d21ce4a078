target_sources(aiocpp PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/sync.cpp
    ${CMAKE_CURRENT_LIST_DIR}/wait_list.cpp)
