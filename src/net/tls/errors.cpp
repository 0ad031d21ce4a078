#include "net/tls/errors.hpp"

#include <string>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace aio::net::detail {

namespace {

/// One library error from the queue as a phrase.
std::string reason_of(unsigned long e) {
    const int lib = ERR_GET_LIB(e);
    const int reason = ERR_GET_REASON(e);
    if (lib == ERR_LIB_SSL && reason >= SSL_AD_REASON_OFFSET &&
        reason < SSL_AD_REASON_OFFSET + 256) {
        // The peer sent a fatal alert; OpenSSL encodes it as reason 1000 + alert number.
        const char* desc = SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET);
        return std::string("peer sent alert: ") + (desc ? desc : "unknown alert");
    }
    if (const char* r = ERR_reason_error_string(e))
        return r;
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

std::string verify_failure(const SSL* ssl, long v) {
    std::string out = "certificate verify failed: ";
    out += X509_verify_cert_error_string(v);
    if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        const X509_VERIFY_PARAM* p = SSL_get0_param(const_cast<SSL*>(ssl));
        const char* host = X509_VERIFY_PARAM_get0_host(const_cast<X509_VERIFY_PARAM*>(p), 0);
        char* ip = X509_VERIFY_PARAM_get1_ip_asc(const_cast<X509_VERIFY_PARAM*>(p));
        if (host || ip) {
            out += " (certificate is not valid for '";
            out += host ? host : ip;
            out += "')";
        }
        OPENSSL_free(ip);
    }
    return out;
}

} // namespace

std::string describe_ssl_failure(const SSL* ssl, int ssl_error, long* verify_result) {
    if (verify_result)
        *verify_result = 0;
    // The queue's first error is the root cause; later ones are the call chain around it.
    const unsigned long first = ERR_peek_error();
    std::string out;
    if (first != 0 && ERR_GET_LIB(first) == ERR_LIB_SSL &&
        ERR_GET_REASON(first) == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl) {
        const long v = SSL_get_verify_result(ssl);
        if (v != X509_V_OK) {
            if (verify_result)
                *verify_result = v;
            out = verify_failure(ssl, v);
        }
    }
    if (out.empty() && first != 0) {
        out = reason_of(first);
        if (out == "unexpected eof while reading")
            out = "connection closed by peer";
    }
    if (out.empty()) {
        switch (ssl_error) {
        case SSL_ERROR_SYSCALL:
            out = "connection closed by peer";
            break;
        case SSL_ERROR_ZERO_RETURN:
            out = "peer closed the TLS session";
            break;
        default:
            out = "SSL error " + std::to_string(ssl_error);
            break;
        }
    }
    ERR_clear_error();
    return out;
}

void throw_tls_error(const SSL* ssl, int ssl_error, std::string_view context) {
    long v = 0;
    std::string reason = describe_ssl_failure(ssl, ssl_error, &v);
    std::string what(context);
    what += ": ";
    what += reason;
    throw tls_error(what, std::move(reason), v);
}

void throw_context_error(std::string_view context) {
    const unsigned long e = ERR_peek_last_error();
    std::string reason = e ? reason_of(e) : std::string("unknown error");
    ERR_clear_error();
    std::string what(context);
    what += ": ";
    what += reason;
    throw tls_error(what, std::move(reason));
}

} // namespace aio::net::detail
