package dev.quiver.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A recording HTTP hop in front of an S3 server: every request passes through a real TCP connection, and its method,
 * target and headers are logged, so a test can check headers the server behind cannot show on a stored object (KMS
 * key ids, SSE-C keys, ACLs).
 *
 * <p>It forwards requests byte for byte, with two exceptions. It answers {@code Expect: 100-continue} itself and
 * drops that header (the SDK does not sign it), so that it always knows where one request's body ends. And it answers
 * PutObjectTagging ({@code PUT ...?tagging}) itself with 200, keeping the body in the log, because s3proxy refuses
 * object tagging with 501; the tag set then stays visible to the test only here. Request bodies must carry a
 * Content-Length; a chunked request fails the connection, and so the test.
 */
public final class RecordingS3Proxy implements AutoCloseable {

    /** One request as the client sent it; header names in lower case; body only for intercepted tagging requests. */
    public record Request(String method, String target, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The path without the query, percent-decoded, e.g. /bucket/topic/partition=0/topic+0+0.parquet. */
        public String path() {
            return java.net.URI.create(target).getPath();
        }

        public boolean hasQueryParameter(String name) {
            int q = target.indexOf('?');
            if (q < 0) {
                return false;
            }
            for (String p : target.substring(q + 1).split("&")) {
                if (p.equals(name) || p.startsWith(name + "=")) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return method + " " + target;
        }
    }

    private final int targetPort;
    private final ServerSocket server;
    private final List<Request> log = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** Listens on a free port of 127.0.0.1 and forwards to the S3 server on {@code targetPort}. */
    public RecordingS3Proxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "recording-s3-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Every request so far, in arrival order. */
    public List<Request> requests() {
        return new ArrayList<>(log);
    }

    /** The requests that match. */
    public List<Request> requests(Predicate<Request> filter) {
        return log.stream().filter(filter).collect(Collectors.toList());
    }

    public void clear() {
        log.clear();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                Object clientWrites = new Object();
                start(() -> requests(client, upstream, clientWrites));
                start(() -> responses(upstream, client, clientWrites));
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static void start(Runnable pump) {
        Thread t = new Thread(pump, "recording-s3-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Server to client: a blind copy. */
    private void responses(Socket upstream, Socket client, Object clientWrites) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = upstream.getInputStream()) {
            OutputStream out = client.getOutputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                synchronized (clientWrites) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // Either side went away; closing both ends the exchange.
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** Client to server: request by request, recording each head. */
    private void requests(Socket client, Socket upstream, Object clientWrites) {
        try (InputStream in = new BufferedInputStream(client.getInputStream())) {
            OutputStream toServer = upstream.getOutputStream();
            OutputStream toClient = client.getOutputStream();
            for (String head = readHead(in); head != null; head = readHead(in)) {
                String[] lines = head.split("\r\n");
                String[] requestLine = lines[0].split(" ");
                Map<String, String> headers = new LinkedHashMap<>();
                StringBuilder forwarded = new StringBuilder(lines[0]).append("\r\n");
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    headers.put(name, lines[i].substring(colon + 1).trim());
                    if (!name.equals("expect")) {
                        forwarded.append(lines[i]).append("\r\n");
                    }
                }
                forwarded.append("\r\n");
                if (headers.containsKey("transfer-encoding")) {
                    throw new IOException("chunked request bodies are not supported: " + lines[0]);
                }
                long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
                if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
                    synchronized (clientWrites) {
                        toClient.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        toClient.flush();
                    }
                }
                Request request = new Request(requestLine[0], requestLine[1], headers, null);
                if (request.method().equals("PUT") && request.hasQueryParameter("tagging")) {
                    byte[] body = in.readNBytes((int) length);
                    log.add(new Request(request.method(), request.target(), headers,
                            new String(body, StandardCharsets.UTF_8)));
                    synchronized (clientWrites) {
                        toClient.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        toClient.flush();
                    }
                    continue;
                }
                log.add(request);
                toServer.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
                byte[] buffer = new byte[64 * 1024];
                for (long left = length; left > 0; ) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new IOException("request body cut short");
                    }
                    toServer.write(buffer, 0, n);
                    left -= n;
                }
                toServer.flush();
            }
        } catch (IOException e) {
            // Either side went away; closing both ends the exchange.
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** The request line and headers up to the blank line, or null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b = in.read(); b >= 0; b = in.read()) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
            if (matched == 4) {
                String s = head.toString(StandardCharsets.ISO_8859_1);
                return s.substring(0, s.length() - 4);
            }
        }
        return null;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already closed.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // Already closed.
        }
        sockets.forEach(RecordingS3Proxy::closeQuietly);
    }
}
