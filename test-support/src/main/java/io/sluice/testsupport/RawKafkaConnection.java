package io.sluice.testsupport;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A blocking socket to a broker on {@code 127.0.0.1} that sends hand-built bytes or framed Kafka requests (serialized
 * with the kafka-clients codec, as a stock client would) and reads response frames or notices that the broker closed
 * the connection.
 *
 * <p>Concurrency: one test thread per instance. Not final: a test package may keep a short subclass under its own
 * name.
 */
public class RawKafkaConnection implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 15_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final AtomicInteger correlationIds = new AtomicInteger();

    public RawKafkaConnection(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request header for {@code key} at {@code version} with the next correlation id. */
    public RequestHeader header(ApiKeys key, short version) {
        return new RequestHeader(key, version, "raw-test-client", correlationIds.incrementAndGet());
    }

    /** Sends {@code body} under {@code header} and returns the parsed response (which must be the next frame). */
    public <T extends AbstractResponse> T call(RequestHeader header, ApiMessage body) {
        send(frame(header, body));
        return parse(receive(), header);
    }

    /** Writes {@code bytes} as they are (no length prefix is added). */
    public void send(ByteBuffer bytes) {
        send(toArray(bytes));
    }

    public void send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response frame and returns it without its length prefix. */
    public ByteBuffer receive() {
        try {
            int size = in.readInt();
            byte[] frame = new byte[size];
            in.readFully(frame);
            return ByteBuffer.wrap(frame);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the broker closed the connection (end of stream or reset) without sending anything; {@code false} if
     * bytes arrived or nothing happened within the read timeout.
     */
    public boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether nothing (no byte, no end of stream) arrives within {@code wait}; for asserting silence only, as a byte
     * that does arrive is consumed.
     */
    public boolean nothingWithin(Duration wait) {
        try {
            int previous = socket.getSoTimeout();
            socket.setSoTimeout((int) wait.toMillis());
            try {
                in.read();
                return false;
            } catch (SocketTimeoutException e) {
                return true;
            } finally {
                socket.setSoTimeout(previous);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A length-prefixed frame: the request header at {@code header}'s header version, then {@code body}. */
    public static ByteBuffer frame(RequestHeader header, ApiMessage body) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        RequestHeaderData data = header.data();
        int size = data.size(cache, header.headerVersion()) + body.size(cache, header.apiVersion());
        ByteBuffer buffer = ByteBuffer.allocate(Integer.BYTES + size);
        buffer.putInt(size);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        data.write(accessor, cache, header.headerVersion());
        body.write(accessor, cache, header.apiVersion());
        return buffer.flip();
    }

    @SuppressWarnings("unchecked")
    public static <T extends AbstractResponse> T parse(ByteBuffer frameWithoutLength, RequestHeader requestHeader) {
        return (T) AbstractResponse.parseResponse(frameWithoutLength, requestHeader);
    }

    public static byte[] toArray(ByteBuffer bytes) {
        ByteBuffer copy = bytes.duplicate();
        byte[] array = new byte[copy.remaining()];
        copy.get(array);
        return array;
    }
}
