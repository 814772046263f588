package dev.sinter.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.trainers.RunConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code distributed:} section: defaults, and one clear line for each bad setting, before any work. */
class DistributedConfigTest {
    static String yaml(Path out, String name, String distributed) {
        return String.join("\n",
                "name: " + name,
                "output_dir: " + out,
                "seed: 11",
                "model: {name: tiny}",
                "data: {train: classpath:raw_sentences.txt, val_fraction: 0.05, seq_len: 16, max_tokens: 60000}",
                "training: {steps: 5, batch_size: 8, micro_batch_size: 4, lr: 3.0e-3, warmup_steps: 2, eval_every: 5,"
                        + " eval_batches: 1}",
                "checkpoint: {every: 100, keep_last: 2}",
                "samples: {count: 1, max_new_tokens: 2}",
                "analysis: {emergence: false, super_weights: false, report: false}",
                distributed);
    }

    private static String error(String distributed, String... overrides) {
        return assertThrows(ConfigException.class, () -> RunConfig.loadString(yaml(Path.of("runs"), "bad",
                distributed), "bad.yaml", List.of(overrides))).getMessage();
    }

    @Test
    void offByDefaultAndLocalWorkersByDefault() {
        assertNull(RunConfig.loadString(yaml(Path.of("runs"), "off", ""), "off.yaml", List.of()).distributed());
        DistributedConfig d = RunConfig.loadString(yaml(Path.of("runs"), "on", "distributed: {engine: spark}"),
                "on.yaml", List.of()).distributed();
        assertEquals("local[2]", d.master());
        assertEquals(2, d.workers());
        assertEquals(4, d.maxTaskFailures());
        assertTrue(d.isLocal());
        assertEquals("local[2,4]", SparkSessions.sparkMaster(d));
    }

    @Test
    void localMastersTrainOnThreadsByDefaultClusterMastersOnSpark() {
        DistributedConfig local = RunConfig.loadString(yaml(Path.of("runs"), "on", "distributed: {workers: 2}"),
                "on.yaml", List.of()).distributed();
        assertEquals("threads", local.engine());
        assertTrue(local.isThreads());
        DistributedConfig cluster = RunConfig.loadString(yaml(Path.of("runs"), "on",
                "distributed: {master: \"spark://head:7077\"}"), "on.yaml", List.of()).distributed();
        assertEquals("spark", cluster.engine());
        assertFalse(cluster.isThreads());
    }

    @Test
    void threadsWithAClusterMasterOrMoreWorkersThanCoresIsRefused() {
        String m = error("distributed: {engine: threads, master: \"spark://head:7077\"}");
        assertTrue(m.contains("engine threads runs the replicas on this machine only") && m.contains("engine: spark"),
                m);
        int cores = Runtime.getRuntime().availableProcessors();
        m = error("distributed: {engine: threads, workers: " + (cores + 1) + "}");
        assertTrue(m.contains("workers " + (cores + 1) + " exceeds this machine's " + cores + " cores")
                && m.contains("at most " + cores), m);
    }

    @Test
    void moreWorkersThanLocalCoresIsRefused() {
        String m = error("distributed: {master: \"local[1]\", workers: 2}");
        assertTrue(m.contains("workers 2 exceeds the 1 cores") && m.contains("local[N]"), m);
    }

    @Test
    void moreLocalCoresThanTheMachineHasIsRefused() {
        int cores = Runtime.getRuntime().availableProcessors();
        String m = error("distributed: {master: \"local[" + (cores + 1) + "]\", workers: 1}");
        assertTrue(m.contains("this machine has " + cores), m);
    }

    @Test
    void aBatchThatDoesNotSplitOverTheWorkersIsRefused() {
        String m = error("distributed: {master: \"local[2]\", workers: 2}", "training.batch_size=12");
        assertTrue(m.contains("distributed.workers 2 must divide the 3 micro-batches")
                && m.contains("multiple of workers × micro_batch_size = 8"), m);
    }

    @Test
    void unknownEngineAndMalformedMasterAreRefused() {
        assertTrue(error("distributed: {engine: ray}").contains("engine"));
        String m = error("distributed: {master: \"localhost:7077\"}");
        assertTrue(m.contains("distributed.master: must be local[N], spark://host:port"), m);
    }
}
