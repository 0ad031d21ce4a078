#include "support/pg_server.hpp"

#include "support/free_port.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace aio_test {

namespace {

std::string find_bin() {
    namespace fs = std::filesystem;
    std::vector<std::string> found;
    std::error_code ec;
    for (auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        if (fs::exists(e.path() / "bin" / "postgres"))
            found.push_back((e.path() / "bin").string());
    }
    if (found.empty())
        return {};
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
        return std::atoi(fs::path(a).parent_path().filename().c_str()) <
               std::atoi(fs::path(b).parent_path().filename().c_str());
    });
    return found.back();
}

/// fork + exec as uid/gid, output to `log`; returns the child's pid.
pid_t spawn_as(uid_t uid, gid_t gid, const std::vector<std::string>& args, const std::string& log) {
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out >= 0 && ::geteuid() == 0)
        (void)::fchown(out, uid, gid);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Only async-signal-safe calls until exec.
        if (out >= 0) {
            ::dup2(out, 1);
            ::dup2(out, 2);
        }
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            ::dup2(devnull, 0);
        if (::geteuid() == 0 &&
            (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0))
            ::_exit(126);
        // Set after setuid (which clears it): the server dies with the test process.
        ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
        if (::getppid() != parent)
            ::_exit(1);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    if (out >= 0)
        ::close(out);
    return pid;
}

int wait_exit(pid_t pid) {
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string tail(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f)
        return {};
    std::string s;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        s.append(buf, n);
    std::fclose(f);
    return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

} // namespace

bool pg_server::start(std::string* why) {
    m_bin = find_bin();
    if (m_bin.empty()) {
        *why = "PostgreSQL is not installed (Debian package postgresql)";
        return false;
    }
    if (::geteuid() == 0) {
        passwd* pw = ::getpwnam("aio_pg");
        if (!pw) {
            if (std::system("useradd --system --no-create-home --shell /usr/sbin/nologin aio_pg "
                            ">/dev/null 2>&1") != 0 &&
                !::getpwnam("aio_pg")) {
                *why = "cannot create the unprivileged user aio_pg for postgres";
                return false;
            }
            pw = ::getpwnam("aio_pg");
        }
        m_uid = pw->pw_uid;
        m_gid = pw->pw_gid;
    } else {
        m_uid = ::geteuid();
        m_gid = ::getegid();
    }
    char tmpl[] = "/tmp/aio-pg-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        *why = std::string("mkdtemp: ") + std::strerror(errno);
        return false;
    }
    m_dir = tmpl;
    if (::geteuid() == 0 && ::chown(m_dir.c_str(), m_uid, m_gid) != 0) {
        *why = std::string("chown: ") + std::strerror(errno);
        return false;
    }
    const pid_t init = spawn_as(m_uid, m_gid,
                                {m_bin + "/initdb", "-D", m_dir + "/data", "-U", "postgres", "-A",
                                 "trust", "-E", "UTF8", "--locale=C", "--no-sync"},
                                m_dir + "/initdb.log");
    if (wait_exit(init) != 0) {
        *why = "initdb failed: " + tail(m_dir + "/initdb.log");
        return false;
    }
    m_port = aio_test::free_port();
    return launch(why);
}

bool pg_server::launch(std::string* why) {
    m_pid = spawn_as(m_uid, m_gid,
                     {m_bin + "/postgres", "-D", m_dir + "/data", "-p", std::to_string(m_port),
                      "-k", m_dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                      "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                      "max_connections=100", "-c", "shared_buffers=16MB"},
                     m_dir + "/server.log");
    const std::string conninfo = dsn() + "?connect_timeout=2";
    // Bounded: 300 tries of at most ~100 ms each.
    for (int i = 0; i < 300; ++i) {
        if (PQping(conninfo.c_str()) == PQPING_OK)
            return true;
        int st = 0;
        if (::waitpid(m_pid, &st, WNOHANG) == m_pid) {
            m_pid = -1;
            *why = "postgres exited: " + tail(m_dir + "/server.log");
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    *why = "postgres did not become ready: " + tail(m_dir + "/server.log");
    halt(SIGQUIT);
    return false;
}

void pg_server::halt(int sig) {
    if (m_pid <= 0)
        return;
    ::kill(m_pid, sig);
    // Bounded: 200 x 50 ms, then SIGKILL.
    for (int i = 0; i < 200; ++i) {
        int st = 0;
        if (::waitpid(m_pid, &st, WNOHANG) == m_pid) {
            m_pid = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(m_pid, SIGKILL);
    wait_exit(m_pid);
    m_pid = -1;
}

bool pg_server::restart(std::string* why) {
    halt(SIGQUIT); // immediate shutdown: every backend is killed, no checkpoint
    return launch(why);
}

void pg_server::stop() {
    halt(SIGINT);
    if (!m_dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
        m_dir.clear();
    }
}

std::string pg_server::dsn(const std::string& db) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(m_port) + "/" + db;
}

} // namespace aio_test
