package dev.sinter.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A local Spark session under Java 17, and a master that cannot be reached refused before any work. */
class SparkSessionsTest {
    @Test
    void localSessionRunsTasksOnTwoCores() {
        DistributedConfig cfg = DistributedConfig.of("spark", "local[2]", 2, null, null, Map.of());
        SparkSession session = SparkSessions.open(cfg, "sessions-test");
        assertEquals("local[2,4]", session.sparkContext().master());
        int sum = SparkSessions.context(session).parallelize(List.of(1, 2, 3, 4), 2).reduce(Integer::sum);
        assertEquals(10, sum);
        assertEquals(session, SparkSessions.open(cfg, "sessions-test"), "the same master reuses the session");
    }

    @Test
    void unreachableMasterIsRefusedNamingTheKey() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        DistributedConfig cfg = DistributedConfig.of("spark", "spark://127.0.0.1:" + port, 2, null, 1, null);
        String m = assertThrows(UsageException.class, () -> SparkSessions.open(cfg, "x")).getMessage();
        assertTrue(m.startsWith("distributed.master 127.0.0.1:" + port + " is unreachable")
                && m.contains("fix distributed.master"), m);
    }
}
