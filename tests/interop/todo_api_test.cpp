// examples/todo_api: the JSON REST example, started as a program on 127.0.0.1 (a port the
// kernel picks, read from its first line), driven by aio::http::client_session and by curl,
// then stopped with SIGTERM (it must exit 0 after a graceful shutdown).
#include "interop/peer.hpp"
#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/http/client.hpp>
#include <aio/os.hpp>

#include <csignal>
#include <string>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
namespace http = aio::http;

#ifdef AIO_TODO_API_BIN

namespace {

struct todo_app {
    aio::process proc;
    std::string base;
};

aio::task<todo_app> start_todo_api() {
    todo_app app;
    app.proc = co_await aio::create_subprocess_exec(
        AIO_TODO_API_BIN,
        aio::subprocess_options{.in = aio::devnull, .out = aio::pipe, .err = aio::devnull});
    const std::string line = co_await aio_interop::first_line(app.proc);
    const std::string prefix = "todo_api listening on ";
    if (line.rfind(prefix, 0) != 0)
        throw aio::error("todo_api printed '" + line + "'");
    app.base = line.substr(prefix.size(), line.size() - prefix.size() - 1);
    co_return app;
}

/// Stops it with SIGTERM and returns (exit status, the rest of its stdout).
aio::task<std::pair<int, std::string>> stop_todo_api(todo_app& app) {
    app.proc.send_signal(SIGTERM);
    std::string rest;
    while (true) {
        std::string piece = co_await aio::wait_for(app.proc.out().read(4096), 5s);
        if (piece.empty())
            break;
        rest += piece;
    }
    const int rc = co_await aio_interop::stop(app.proc);
    co_return std::pair<int, std::string>{rc, rest};
}

http::request_body json_text(std::string s) {
    return http::request_body(std::move(s), "application/json");
}

} // namespace

TEST(todo_api, serves_the_todo_crud_to_our_client) {
    aio_test::run([]() -> aio::task<> {
        todo_app app = co_await start_todo_api();
        {
            http::client_session s;
            const std::string todos = app.base + "/todos";

            http::client_response empty = co_await s.get(todos);
            EXPECT_EQ(empty.status, 200);
            EXPECT_EQ(co_await empty.json(), nlohmann::json::array());

            nlohmann::json milk = {{"title", "buy milk"}};
            http::client_response created = co_await s.post(todos, http::json_body(milk));
            EXPECT_EQ(created.status, 201);
            EXPECT_EQ(created.headers.get("location"), "/todos/1");
            EXPECT_EQ(created.headers.get("content-type"), "application/json");
            nlohmann::json one = co_await created.json();
            EXPECT_EQ(one["id"], 1);
            EXPECT_EQ(one["title"], "buy milk");
            EXPECT_EQ(one["done"], false);

            nlohmann::json bread = {{"title", "bake bread"}, {"done", true}};
            http::client_response second = co_await s.post(todos, http::json_body(bread));
            EXPECT_EQ((co_await second.json())["id"], 2);

            http::client_response got = co_await s.get(todos + "/1");
            EXPECT_EQ(co_await got.json(), one);

            nlohmann::json done = {{"title", "buy oat milk"}, {"done", true}};
            http::client_response put = co_await s.put(todos + "/1", http::json_body(done));
            EXPECT_EQ(put.status, 200);
            nlohmann::json replaced = co_await put.json();
            EXPECT_EQ(replaced["title"], "buy oat milk");
            EXPECT_EQ(replaced["done"], true);

            http::client_response list = co_await s.get(todos);
            nlohmann::json all = co_await list.json();
            EXPECT_EQ(all.size(), 2u);
            EXPECT_EQ(all.at(0)["title"], "buy oat milk");
            EXPECT_EQ(all.size() > 1 ? all[1]["title"] : nlohmann::json(), "bake bread");

            http::client_response del = co_await s.del(todos + "/2");
            EXPECT_EQ(del.status, 204);
            EXPECT_EQ(co_await del.text(), "");
            http::client_response gone = co_await s.get(todos + "/2");
            EXPECT_EQ(gone.status, 404);
            nlohmann::json err = co_await gone.json();
            EXPECT_EQ(err["status"], 404);
            EXPECT_EQ(err["error"], "no todo with id 2");
            EXPECT_EQ(s.open_connections(), 1u) << "one keep-alive connection for all of it";
        }
        const auto [rc, rest] = co_await stop_todo_api(app);
        EXPECT_EQ(rc, 0);
        EXPECT_EQ(rest, "todo_api stopped\n");
    });
}

TEST(todo_api, answers_bad_requests_with_json_errors_and_the_right_status) {
    aio_test::run([]() -> aio::task<> {
        todo_app app = co_await start_todo_api();
        {
            http::client_session s;
            const std::string todos = app.base + "/todos";
            // Trivially destructible: GCC 12 destroys an aggregate temporary's owning members
            // twice inside a co_await (DESIGN.md, "Spelling").
            struct expect {
                int status;
                const char* error;
            };
            auto check = [](http::client_response r, expect e) -> aio::task<> {
                EXPECT_EQ(r.status, e.status) << e.error;
                EXPECT_EQ(r.headers.get("content-type"), "application/json") << e.error;
                nlohmann::json j = co_await r.json();
                EXPECT_EQ(j["status"], e.status);
                EXPECT_EQ(j["error"], e.error);
            };
            co_await check(co_await s.post(todos, json_text("{not json")),
                           {400, "the body is not valid JSON"});
            co_await check(co_await s.post(todos, json_text("[1, 2]")),
                           {400, "the body must be a JSON object"});
            co_await check(co_await s.post(todos, json_text(R"({"title": ""})")),
                           {400, "'title' must be a string of 1 to 200 bytes"});
            co_await check(co_await s.post(todos, json_text(R"({"title": 5})")),
                           {400, "'title' has the wrong type"});
            co_await check(co_await s.post(todos, json_text(R"({"title": "x", "owner": 1})")),
                           {400, "unknown field 'owner'"});
            co_await check(co_await s.post(todos, http::request_body("title=x", "text/plain")),
                           {415, "the body must be application/json"});
            co_await check(co_await s.get(todos + "/abc"), {404, "no todo with id 'abc'"});
            co_await check(co_await s.get(todos + "/0"), {404, "no todo with id '0'"});
            co_await check(co_await s.put(todos + "/9", json_text(R"({"title": "x"})")),
                           {404, "no todo with id 9"});
            co_await check(co_await s.get(app.base + "/nothing"), {404, "Not Found"});
            co_await check(co_await s.post(app.base + "/todos/1", json_text("{}")),
                           {405, "Method Not Allowed"});
            http::client_response r405 = co_await s.request("PATCH", todos);
            EXPECT_EQ(r405.headers.get("allow"), "GET, HEAD, POST");
            co_await r405.read();
            std::string big = R"({"title": ")" + std::string(70000, 'x') + "\"}";
            co_await check(co_await s.post(todos, json_text(big)), {413, "request body too large"});
        }
        const auto [rc, rest] = co_await stop_todo_api(app);
        EXPECT_EQ(rc, 0);
    });
}

TEST(todo_api, echoes_or_makes_a_request_id) {
    aio_test::run([]() -> aio::task<> {
        todo_app app = co_await start_todo_api();
        {
            http::client_session s;
            http::headers h;
            h.set("X-Request-Id", "trace-42");
            http::client_response given = co_await s.get(app.base + "/todos", {.headers = &h});
            EXPECT_EQ(given.headers.get("x-request-id"), "trace-42");
            co_await given.read();
            http::headers bad;
            bad.set("X-Request-Id", "has spaces");
            http::client_response made = co_await s.get(app.base + "/todos", {.headers = &bad});
            const std::string id(made.headers.get("x-request-id").value_or(""));
            EXPECT_EQ(id.rfind("req-", 0), 0u) << id;
            co_await made.read();
            http::client_response err = co_await s.get(app.base + "/nothing");
            EXPECT_TRUE(err.headers.contains("x-request-id")) << "errors carry the id too";
            co_await err.read();
        }
        EXPECT_EQ((co_await stop_todo_api(app)).first, 0);
    });
}

TEST(todo_api, serves_curl) {
    if (aio_interop::find_program("curl").empty())
        GTEST_SKIP() << "curl is not installed (tools/deps.sh installs it)";
    aio_test::run([]() -> aio::task<> {
        todo_app app = co_await start_todo_api();
        const std::string todos = app.base + "/todos";
        std::vector<std::string> argv1 = {"curl",       "-sS",
                                          "--max-time", "10",
                                          "-H",         "Content-Type: application/json",
                                          "-d",         R"({"title": "from curl"})",
                                          todos};
        auto [rc1, created] = co_await aio_interop::run_client(std::move(argv1));
        EXPECT_EQ(rc1, 0) << created;
        EXPECT_EQ(nlohmann::json::parse(created),
                  nlohmann::json::parse(R"({"id": 1, "title": "from curl", "done": false})"));

        std::vector<std::string> argv2 = {"curl",       "-sS",
                                          "--max-time", "10",
                                          "-X",         "PUT",
                                          "-H",         "Content-Type: application/json",
                                          "-d",         R"({"title": "from curl", "done": true})",
                                          todos + "/1"};
        auto [rc2, put] = co_await aio_interop::run_client(std::move(argv2));
        EXPECT_EQ(rc2, 0) << put;
        EXPECT_EQ(nlohmann::json::parse(put)["done"], true) << put;

        std::vector<std::string> argv3 = {"curl", "-sS", "--max-time", "10", "-i", todos};
        auto [rc3, listed] = co_await aio_interop::run_client(std::move(argv3));
        EXPECT_EQ(rc3, 0) << listed;
        EXPECT_EQ(listed.rfind("HTTP/1.1 200 OK", 0), 0u) << listed;
        const std::string json = listed.substr(listed.find("\r\n\r\n") + 4);
        EXPECT_EQ(nlohmann::json::parse(json).size(), 1u) << listed;

        std::vector<std::string> argv4 = {"curl", "-sS",       "--max-time", "10",
                                          "-o",   "/dev/null", "-w",         "%{http_code}",
                                          "-X",   "DELETE",    todos + "/1"};
        auto [rc4, deleted] = co_await aio_interop::run_client(std::move(argv4));
        EXPECT_EQ(rc4, 0);
        EXPECT_EQ(deleted, "204");

        std::vector<std::string> argv5 = {"curl", "-sS",           "--max-time", "10",
                                          "-w",   " %{http_code}", todos + "/1"};
        auto [rc5, missing] = co_await aio_interop::run_client(std::move(argv5));
        EXPECT_EQ(rc5, 0);
        EXPECT_EQ(missing, R"({"error":"no todo with id 1","status":404} 404)");

        EXPECT_EQ((co_await stop_todo_api(app)).first, 0);
    });
}

#endif // AIO_TODO_API_BIN
