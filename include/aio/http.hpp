// The http layer: message parser, chunked coding, header fields, URLs. See docs/guide/http.md.
#pragma once

#include <aio/http/chunked.hpp>
#include <aio/http/errors.hpp>
#include <aio/http/headers.hpp>
#include <aio/http/parser.hpp>
#include <aio/http/client.hpp>
#include <aio/http/url.hpp>
