// The http layer: message parser, chunked coding, header fields, URLs and the server.
// See docs/guide/http.md.
#pragma once

#include <aio/http/chunked.hpp>
#include <aio/http/client.hpp>
#include <aio/http/errors.hpp>
#include <aio/http/headers.hpp>
#include <aio/http/parser.hpp>
#include <aio/http/request.hpp>
#include <aio/http/response.hpp>
#include <aio/http/server.hpp>
#include <aio/http/url.hpp>
