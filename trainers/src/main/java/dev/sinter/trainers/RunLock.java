package dev.sinter.trainers;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive use of a run directory: an OS file lock on {@code <run>/.lock}, which also holds the holder's
 * {@code pid PID on host HOST}. The OS releases the lock when the holding process ends, however it ends, so a killed
 * run never leaves its directory locked; the file itself stays (deleting it could let two processes lock two
 * different files).
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name inside the run directory. */
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code runDir} (created if needed) for this process.
     *
     * @throws IllegalStateException if another process, or another run in this process, holds it; the message names
     *                               the directory and the holder
     */
    public static RunLock acquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path file = runDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        return lock(runDir, channel);
    }

    /**
     * Locks the open lock file {@code channel} of {@code runDir} and writes this process into it; on any failure the
     * channel is closed (which releases a lock already taken) before the exception propagates.
     */
    static RunLock lock(Path runDir, FileChannel channel) throws IOException {
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                throw inUse(runDir, "another run in this process (" + self() + ")");
            }
            if (lock == null) {
                String holder = holder(channel);
                throw inUse(runDir, holder.isEmpty() ? "another process" : holder);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((self() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new RunLock(channel, lock);
        } catch (IOException | RuntimeException | Error e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    private static IllegalStateException inUse(Path runDir, String holder) {
        return new IllegalStateException("run directory " + runDir + " is in use by " + holder
                + "; wait for that run to finish or stop it, or choose another run name");
    }

    /** What the holder wrote into the lock file, e.g. {@code pid 1234 on host node-1}; empty if unknown. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(256);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
    }

    private static String self() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        return "pid " + ProcessHandle.current().pid() + " on host " + host;
    }
}
