// Turning OpenSSL's error queue and verify result into aio::net::tls_error.
//
// OpenSSL reports a failure in three places: SSL_get_error() says what kind it is, the
// thread's error queue holds the library reasons ("wrong version number", "certificate
// verify failed", an alert the peer sent), and SSL_get_verify_result() holds the X.509
// check that refused the peer's certificate. describe() folds them into one phrase that
// names the failing check; every caller clears the queue before the call it examines.
#pragma once

#include <aio/net/tls.hpp>

#include <string>
#include <string_view>

#include <openssl/ssl.h>

namespace aio::net::detail {

/// The failing check behind the last failed call on `ssl` (may be null for context-level
/// calls), e.g. "certificate verify failed: self-signed certificate". Drains the queue.
/// `verify_result` receives the X509_V_ERR_* value when the certificate was refused.
std::string describe_ssl_failure(const SSL* ssl, int ssl_error, long* verify_result);

/// Throws tls_error("<context>: <reason>"), draining the error queue.
[[noreturn]] void throw_tls_error(const SSL* ssl, int ssl_error, std::string_view context);

/// Throws tls_error for a context-level failure such as an unreadable file.
[[noreturn]] void throw_context_error(std::string_view context);

} // namespace aio::net::detail
