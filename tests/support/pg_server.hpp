// A throw-away PostgreSQL server for tests and examples: initdb into a temporary directory,
// postgres on 127.0.0.1 at a free port (and a Unix socket in that directory), run as an
// unprivileged user when we are root (postgres refuses to run as root: the system user
// aio_pg, created if missing). Stopped and removed by stop() or the destructor.
//
// Synchronous (fork/exec/waitpid): call it outside a running loop, or from a test body
// between runs. One per test executable through pg_environment.
#pragma once

#include <string>

#include <sys/types.h>

namespace aio_test {

class pg_server {
  public:
    pg_server() = default;
    pg_server(const pg_server&) = delete;
    ~pg_server() { stop(); }

    /// initdb + start; false with `why` set when this machine cannot run one (no
    /// PostgreSQL installed, no way to drop root...).
    bool start(std::string* why);
    /// Fast shutdown (SIGINT), then removes the directory.
    void stop();
    /// Stops the server (immediate shutdown: connections are cut) and starts it again on
    /// the same port and data.
    bool restart(std::string* why);
    bool running() const noexcept { return m_pid > 0; }
    int port() const noexcept { return m_port; }
    /// postgresql://postgres@127.0.0.1:<port>/<db>
    std::string dsn(const std::string& db = "postgres") const;
    /// The directory holding the data and the Unix socket.
    const std::string& dir() const noexcept { return m_dir; }

  private:
    bool launch(std::string* why);
    void halt(int sig);
    std::string m_bin;
    std::string m_dir;
    int m_port = 0;
    pid_t m_pid = -1;
    uid_t m_uid = 0;
    gid_t m_gid = 0;
};

/// The server of this test executable (started by pg_environment); nullptr with
/// *skip_reason set when none could start.
pg_server* shared_pg_server(std::string* skip_reason);

} // namespace aio_test
