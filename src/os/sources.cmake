target_sources(aiocpp PRIVATE
    os/child_reaper.cpp
    os/file.cpp
    os/os_state.cpp
    os/signal_hub.cpp
    os/subprocess.cpp
)
