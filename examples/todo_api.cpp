// The seeds' "web server handling many clients", as a small JSON REST service: a todo list
// kept in memory, served by aio::http::server (aiohttp.web).
//
//   GET    /todos        200 [{"id": 1, "title": "...", "done": false}, ...]
//   POST   /todos        {"title": "...", "done"?: bool} -> 201 + Location: /todos/{id}
//   GET    /todos/{id}   200 the todo
//   PUT    /todos/{id}   {"title": "...", "done"?: bool} -> 200 the replaced todo
//   DELETE /todos/{id}   204
//
// Errors are JSON too ({"error": "...", "status": N}): 400 for a body that is not a valid
// todo, 404 for an unknown id or path, 405 (with Allow) for a method the path does not
// take, 415 for a body that is not application/json, 413 for a body over 64 KiB.
// Two middlewares: one gives each request an id (the client's X-Request-Id when it is a
// short token, else "req-N") echoed in the response and logged on stderr with the method,
// path and status; the other turns every error into the JSON shape above.
//
// Usage: todo_api [--port N]   (default 0: a port the kernel picks; printed on stdout)
// Serves 127.0.0.1 until SIGINT or SIGTERM, then finishes the requests in flight (5 s at
// most) and exits 0.
#include <aio/aio.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

using namespace std::chrono_literals;
namespace http = aio::http;

namespace {

constexpr std::size_t max_todo_body = 64 * 1024;

struct todo {
    std::string title;
    bool done = false;
};

/// The service's state: one per server, used from the loop's thread only.
struct todo_store {
    std::map<std::int64_t, todo> todos;
    std::int64_t next_id = 1;
    std::uint64_t requests = 0; // for request ids
};

nlohmann::json to_json(std::int64_t id, const todo& t) {
    return nlohmann::json{{"id", id}, {"title", t.title}, {"done", t.done}};
}

/// The id in /todos/{id}: a positive decimal number, else 404 (no such todo).
std::int64_t todo_id(const http::request& req) {
    const std::string_view s = req.param("id");
    std::int64_t id = 0;
    bool ok = !s.empty() && s.size() <= 15;
    for (const char c : s) {
        ok = ok && c >= '0' && c <= '9';
        id = ok ? id * 10 + (c - '0') : 0;
    }
    if (!ok || id == 0)
        throw http::http_exception(404, "no todo with id '" + std::string(s) + "'");
    return id;
}

/// The request's body as a todo: a JSON object with a non-empty string "title" (at most 200
/// bytes) and an optional boolean "done", nothing else.
aio::task<todo> read_todo(http::request& req) {
    const std::string_view type = req.headers.get("content-type").value_or("");
    if (type.substr(0, type.find(';')) != "application/json")
        throw http::http_exception(415, "the body must be application/json");
    // The server refuses bodies over 1 MiB itself (413, before any handler runs); a todo is
    // held to 64 KiB here, so that this refusal is JSON like every other error.
    const std::string_view length = req.headers.get("content-length").value_or("0");
    if (length.size() > 7 || std::stoul(std::string(length)) > max_todo_body)
        throw http::http_exception(413, "request body too large");
    const std::string body = co_await req.text();
    if (body.size() > max_todo_body) // a chunked body says its size only once it is read
        throw http::http_exception(413, "request body too large");
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded())
        throw http::http_exception(400, "the body is not valid JSON");
    if (!j.is_object())
        throw http::http_exception(400, "the body must be a JSON object");
    todo t;
    for (const auto& [key, value] : j.items()) {
        if (key == "title" && value.is_string())
            t.title = value.get<std::string>();
        else if (key == "done" && value.is_boolean())
            t.done = value.get<bool>();
        else if (key == "title" || key == "done")
            throw http::http_exception(400, "'" + key + "' has the wrong type");
        else
            throw http::http_exception(400, "unknown field '" + key + "'");
    }
    if (t.title.empty() || t.title.size() > 200)
        throw http::http_exception(400, "'title' must be a string of 1 to 200 bytes");
    co_return t;
}

aio::task<http::response> list_todos(todo_store& store, http::request&) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& [id, t] : store.todos)
        all.push_back(to_json(id, t));
    co_return http::response::json(200, all.dump());
}

aio::task<http::response> create_todo(todo_store& store, http::request& req) {
    todo t = co_await read_todo(req);
    const std::int64_t id = store.next_id++;
    const auto& [it, inserted] = store.todos.emplace(id, std::move(t));
    http::response r = http::response::json(201, to_json(id, it->second).dump());
    r.headers.set("Location", "/todos/" + std::to_string(id));
    co_return r;
}

aio::task<http::response> get_todo(todo_store& store, http::request& req) {
    const std::int64_t id = todo_id(req);
    const auto it = store.todos.find(id);
    if (it == store.todos.end())
        throw http::http_exception(404, "no todo with id " + std::to_string(id));
    co_return http::response::json(200, to_json(id, it->second).dump());
}

aio::task<http::response> replace_todo(todo_store& store, http::request& req) {
    const std::int64_t id = todo_id(req);
    todo t = co_await read_todo(req);
    // Looked up after the body was read: another request may have deleted it meanwhile.
    const auto it = store.todos.find(id);
    if (it == store.todos.end())
        throw http::http_exception(404, "no todo with id " + std::to_string(id));
    it->second = std::move(t);
    co_return http::response::json(200, to_json(id, it->second).dump());
}

aio::task<http::response> delete_todo(todo_store& store, http::request& req) {
    const std::int64_t id = todo_id(req);
    if (store.todos.erase(id) == 0)
        throw http::http_exception(404, "no todo with id " + std::to_string(id));
    co_return http::response::empty(204);
}

http::response json_error(int status, std::string_view message) {
    // The server's own messages read "404: Not Found"; the status is a field of its own.
    if (message.size() > 5 && message[3] == ':' && message[4] == ' ')
        message.remove_prefix(5);
    const nlohmann::json j = {{"error", message}, {"status", status}};
    return http::response::json(status, j.dump());
}

/// Middleware: every error leaves as {"error": ..., "status": ...}, whether a handler threw
/// http_exception, the router answered 404/405 or the server refused the body (413).
aio::task<http::response> errors_as_json(http::request& req, http::next_handler next) {
    http::response r;
    try {
        r = co_await next(req);
    } catch (const http::http_exception& e) {
        r = json_error(e.status(), e.what());
    }
    const std::string_view type = r.headers.get("content-type").value_or("");
    if (r.status >= 400 && type != "application/json") {
        http::response j = json_error(r.status, r.body);
        if (const auto allow = r.headers.get("allow"))
            j.headers.set("Allow", *allow);
        r = std::move(j);
    }
    co_return r;
}

bool is_request_id(std::string_view s) {
    if (s.empty() || s.size() > 64)
        return false;
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

/// Middleware (outermost): a request id, echoed as X-Request-Id and logged with the outcome.
aio::task<http::response>
with_request_id(todo_store& store, http::request& req, http::next_handler next) {
    const std::optional<std::string_view> given = req.headers.get("x-request-id");
    const std::string id = given && is_request_id(*given)
                               ? std::string(*given)
                               : "req-" + std::to_string(++store.requests);
    http::response r = co_await next(req);
    r.headers.set("X-Request-Id", id);
    std::clog << "todo_api: " << id << ' ' << req.method << ' ' << req.path << " -> " << r.status
              << '\n';
    co_return r;
}

aio::task<int> serve(std::uint16_t port) {
    todo_store store;
    http::server app({.max_body_size = 1024 * 1024});
    // Handlers and middlewares are std::functions; these lambdas are not coroutines, they
    // only bind the store (which outlives the server) to the coroutine functions above.
    app.use([&store](http::request& req, http::next_handler next) {
        return with_request_id(store, req, next);
    });
    app.use(errors_as_json);
    app.route("GET", "/todos", [&store](http::request& req) { return list_todos(store, req); });
    app.route("POST", "/todos", [&store](http::request& req) { return create_todo(store, req); });
    app.route("GET", "/todos/{id}", [&store](http::request& req) { return get_todo(store, req); });
    app.route("PUT", "/todos/{id}",
              [&store](http::request& req) { return replace_todo(store, req); });
    app.route("DELETE", "/todos/{id}",
              [&store](http::request& req) { return delete_todo(store, req); });

    aio::add_signal_handler(SIGINT, [&app] { app.close(); });
    aio::add_signal_handler(SIGTERM, [&app] { app.close(); });
    co_await app.listen("127.0.0.1", port);
    std::cout << "todo_api listening on http://127.0.0.1:" << app.port() << std::endl;

    co_await app.serve_forever(); // returns once a signal closed the server
    co_await app.shutdown(5s);    // lets the requests in flight finish
    aio::remove_signal_handler(SIGINT);
    aio::remove_signal_handler(SIGTERM);
    std::cout << "todo_api stopped" << std::endl;
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    long port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        char* end = nullptr;
        if (a == "--port" && i + 1 < argc)
            port = std::strtol(argv[++i], &end, 10);
        if (a != "--port" || end == nullptr || *end != '\0' || port < 0 || port > 65535) {
            std::cerr << "usage: todo_api [--port N]   (0 <= N <= 65535; 0: any free port)\n";
            return 2;
        }
    }
    try {
        return aio::run(serve(static_cast<std::uint16_t>(port)));
    } catch (const std::exception& e) {
        std::cerr << "todo_api: " << e.what() << '\n';
        return 1;
    }
}
