package dev.cardvault.containment;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.restassured.RestAssured;

/**
 * One HTTP/1.1 request per connection over a plain socket. Client libraries normalise: they
 * re-encode paths, refuse or transcode non-ASCII header values. Here the request target goes out
 * as given (already percent-encoded), header values as ISO-8859-1 bytes, the body as UTF-8.
 */
final class RawHttpClient {

    record Header(String name, String value) {
    }

    /** Status 0: no answer. */
    record Response(int status, List<Header> headers, String body) {
        static final Response NONE = new Response(0, List.of(), "");

        String header(String name) {
            return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Header::value).findFirst().orElse(null);
        }
    }

    private RawHttpClient() {
    }

    /** Sends to the service under test; an I/O failure is answered as {@link Response#NONE}. */
    static Response send(String method, String target, List<Header> headers, String body, String contentType) {
        int port = RestAssured.port;
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n");
            headers.forEach(h -> head.append(h.name()).append(": ").append(h.value()).append("\r\n"));
            byte[] payload = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
            if (payload != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
                head.append("Content-Length: ").append(payload.length).append("\r\n");
            } else if (List.of("POST", "PUT", "PATCH").contains(method)) {
                head.append("Content-Length: 0\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (payload != null) {
                out.write(payload);
            }
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        } catch (IOException e) {
            return Response.NONE;
        }
    }

    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return Response.NONE;
        }
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        List<Header> headers = new ArrayList<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            headers.add(new Header(l.substring(0, colon).trim(), l.substring(colon + 1).trim()));
        }
        Response head = new Response(status, headers, "");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String length = head.header("Content-Length");
        if ("chunked".equalsIgnoreCase(head.header("Transfer-Encoding"))) {
            for (int n = chunkSize(line(in)); n > 0; n = chunkSize(line(in))) {
                body.write(in.readNBytes(n));
                line(in);
            }
        } else if (length != null) {
            body.write(in.readNBytes(Integer.parseInt(length)));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static int chunkSize(String line) {
        return line == null ? 0 : Integer.parseInt(line.split(";")[0].trim(), 16);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
