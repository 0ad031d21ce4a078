"""What the benchmark programs in bench/lib/ share (Python 3.11 standard library only).

  cli       [--quick] [BUILD_DIR] and -h/--help, the directories, the knobs
  deps      missing Debian packages (apt-get unless NO_APT) and building the peers
  proc      /proc: a process's CPU ticks, the machine's busy ticks, the load average
  procrun   running a command with a time limit and its peak RSS
  server    a pinned server that prints "listening <port>", and the load client
  stats     key=value result lines, medians, ratios
"""
