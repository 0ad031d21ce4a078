// A parallel command runner: run shell commands with at most N at a time and stream their
// output as it comes, each line prefixed with the command's index (like `parallel` or
// `xargs -P`).
//
//     parallel_run [-j N] COMMAND...
//
// Exit status: 0 if every command succeeded, else 1. Without commands it runs a demo.
#include <aio/aio.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace {

/// Runs one command once a slot is free, printing "[i] line" for each output line.
aio::task<int> run_one(std::size_t index, std::string command, aio::semaphore& slots) {
    auto permit = co_await slots.scoped();
    auto p = co_await aio::create_subprocess_shell(
        command,
        aio::subprocess_options{.in = aio::devnull, .out = aio::pipe, .err = aio::to_stdout});
    // Built piecewise: GCC 12 warns falsely (-Wrestrict) on "[" + std::to_string(i) + "] ".
    std::string prefix = "[";
    prefix += std::to_string(index);
    prefix += "] ";
    for (;;) {
        std::string line = co_await p.out().read_line();
        if (line.empty())
            break; // EOF
        if (line.back() != '\n')
            line += '\n';
        std::cout << prefix << line << std::flush;
    }
    co_return co_await p.wait();
}

aio::task<int> amain(std::size_t jobs, std::vector<std::string> commands) {
    aio::semaphore slots(static_cast<long>(jobs));
    std::vector<aio::task<int>> runs;
    for (std::size_t i = 0; i < commands.size(); ++i)
        runs.push_back(run_one(i, commands[i], slots));
    const std::vector<int> codes = co_await aio::gather(std::move(runs));
    int failed = 0;
    for (std::size_t i = 0; i < codes.size(); ++i) {
        std::cout << "command " << i << " exited with " << codes[i] << "\n";
        failed += codes[i] != 0;
    }
    std::cout << commands.size() - failed << " of " << commands.size() << " succeeded\n";
    co_return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t jobs = 4;
    std::vector<std::string> commands;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-j" && i + 1 < argc) {
            jobs = std::stoul(argv[++i]);
        } else {
            commands.push_back(a);
        }
    }
    if (jobs == 0) {
        std::cerr << "parallel_run: -j must be at least 1\n";
        return 2;
    }
    bool demo = commands.empty();
    if (demo) {
        commands = {"echo alpha; sleep 0.05; echo beta", "echo gamma >&2", "printf 'no newline'",
                    "exit 3", "for i in 1 2 3; do echo tick $i; done"};
        jobs = 2;
    }
    try {
        const int rc = aio::run(amain(jobs, commands));
        return demo ? 0 : rc; // the demo's failing command is on purpose
    } catch (const aio::error& e) {
        std::cerr << "parallel_run: " << e.what() << "\n";
        return 2;
    }
}
