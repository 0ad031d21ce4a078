// Test certificates made at test time by the `openssl` command-line tool in a temp dir:
// a CA, server certificates it signed (localhost + 127.0.0.1, other.test, wrong.example),
// a client certificate, and a self-signed certificate for localhost. EC P-256 keys, so the
// whole set takes well under a second. Generated once per test process, removed at exit.
#pragma once

#include <aio/net/tls.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace aio_test {

struct test_certs {
    std::string dir;
    bool ok = false;
    std::string error;

    std::string path(const std::string& name) const { return dir + "/" + name; }
    std::string ca() const { return path("ca.pem"); }
    std::string server_cert() const { return path("server.pem"); } // localhost, 127.0.0.1
    std::string server_key() const { return path("server.key"); }
    std::string other_cert() const { return path("other.pem"); } // other.test
    std::string other_key() const { return path("other.key"); }
    std::string wrong_cert() const { return path("wrong.pem"); } // wrong.example only
    std::string wrong_key() const { return path("wrong.key"); }
    std::string self_cert() const { return path("self.pem"); } // self-signed localhost
    std::string self_key() const { return path("self.key"); }
    std::string client_cert() const { return path("client.pem"); }
    std::string client_key() const { return path("client.key"); }

    test_certs() {
        char tmpl[] = "/tmp/aio-tls-test-XXXXXX";
        if (!::mkdtemp(tmpl)) {
            error = "mkdtemp failed";
            return;
        }
        dir = tmpl;
        {
            std::ofstream cfg(path("cfg"));
            cfg << "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n"
                   "[ca]\nbasicConstraints = critical,CA:TRUE\n"
                   "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n"
                   "[server]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                   "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost,IP:127.0.0.1\n"
                   "[other]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n"
                   "subjectAltName = DNS:other.test\n"
                   "[wrong]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n"
                   "subjectAltName = DNS:wrong.example\n"
                   "[client]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\n";
        }
        const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        std::string script = "(cd '" + dir + "' && openssl req -x509 -config cfg -extensions ca" +
                             key + " -keyout ca.key -out ca.pem -days 3 -subj '/CN=aio test CA'";
        auto leaf = [&](const std::string& name, const std::string& cn) {
            script += " && openssl req -new -config cfg" + key + " -keyout " + name + ".key -out " +
                      name + ".csr -subj '/CN=" + cn + "'" + " && openssl x509 -req -in " + name +
                      ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 -extfile cfg "
                      "-extensions " +
                      name + " -out " + name + ".pem";
        };
        leaf("server", "localhost");
        leaf("other", "other.test");
        leaf("wrong", "wrong.example");
        leaf("client", "aio test client");
        script += " && openssl req -x509 -config cfg -extensions server" + key +
                  " -keyout self.key -out self.pem -days 3 -subj '/CN=localhost'";
        script += ") > '" + dir + "/openssl.log' 2>&1";
        const int rc = std::system(script.c_str());
        ok = rc == 0 && std::filesystem::exists(path("self.pem"));
        if (!ok) {
            std::ifstream log(path("openssl.log"));
            error = "openssl CLI failed (is the openssl package installed?): " +
                    std::string(std::istreambuf_iterator<char>(log), {});
        }
    }
    ~test_certs() {
        std::error_code ec;
        if (!dir.empty())
            std::filesystem::remove_all(dir, ec);
    }
    test_certs(const test_certs&) = delete;
    test_certs& operator=(const test_certs&) = delete;
};

/// The process-wide set (made on first use).
inline const test_certs& certs() {
    static test_certs c;
    return c;
}

/// A client context that trusts the test CA (hostname checks on, as by default).
inline aio::net::tls_context trusting_client() {
    auto ctx = aio::net::tls_context::client();
    ctx.load_verify_locations(certs().ca());
    return ctx;
}

/// A server context with the certificate for localhost / 127.0.0.1.
inline aio::net::tls_context localhost_server() {
    return aio::net::tls_context::server(certs().server_cert(), certs().server_key());
}

} // namespace aio_test

/// Skips the test when the openssl CLI could not make the certificates.
#define AIO_REQUIRE_TEST_CERTS()                                                                   \
    do {                                                                                           \
        if (!aio_test::certs().ok)                                                                 \
            GTEST_SKIP() << aio_test::certs().error;                                               \
    } while (0)
