/*
 * est_curl_request.h - a real EST enrollment request, byte for byte as
 * curl 7.88.1 sent it to a listener on loopback:
 *   openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
 *       -subj /CN=alice -outform DER | base64 > r.b64
 *   curl --data-binary @r.b64 -H "Content-Type: application/pkcs10" \
 *       -u alice:4FCCEEGXC-HK2Z8K7S5-G53PS2KKB \
 *       http://127.0.0.1:PORT/.well-known/est/simpleenroll
 * (base64 wraps at 76 columns with LF; curl adds the head with CRLF).
 */
#ifndef MTLSVPN_TEST_EST_CURL_REQUEST_H
#define MTLSVPN_TEST_EST_CURL_REQUEST_H

static const char est_curl_request[] =
    "POST /.well-known/est/simpleenroll HTTP/1.1\r\n"
    "Host: 127.0.0.1:47123\r\n"
    "Authorization: Basic YWxpY2U6NEZDQ0VFR1hDLUhLMlo4SzdTNS1HNTNQUzJLS0I=\r\n"
    "User-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n"
    "Content-Type: application/pkcs10\r\n"
    "Content-Length: 276\r\n"
    "\r\n"
    "MIHJMHICAQAwEDEOMAwGA1UEAwwFYWxpY2UwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS95bAU\n"
    "T2zrG5EfT3YX+3E+/JFT20ziAQTMgaUhq09WYFLXljbP/d7eN+qqbrRxtdDNz02Qx+qrttUMgfpK\n"
    "OO89oAAwCgYIKoZIzj0EAwIDRwAwRAIgbx8Nk1pQyVOhOQskKCiAxTlxLoMVT/uzf5LIdyp6Mr8C\n"
    "IE8IDkZUwAfkUKoGOuiM7Jy+BwqnxFrBsnNijHpe2cFt\n";

#endif
