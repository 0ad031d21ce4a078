// The os layer: files, subprocesses, signals.
#pragma once

#include <aio/os/file.hpp>
#include <aio/os/signal.hpp>
#include <aio/os/subprocess.hpp>
