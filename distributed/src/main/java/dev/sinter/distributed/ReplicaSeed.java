package dev.sinter.distributed;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What every worker needs to build its replica of one training loop's model, broadcast once per loop (phase).
 *
 * @param engineId  identifies the loop's engine: a worker's cached replica of another engine is replaced
 * @param configYaml the run's resolved config ({@link dev.sinter.trainers.RunConfig#toYaml()})
 * @param files     the seed checkpoint's files ({@link dev.sinter.trainers.ReplicaSource#seedFiles})
 * @param trainable the driver loop's trainable variables, in order; the replica must have the same
 */
record ReplicaSeed(String engineId, String configYaml, Map<String, byte[]> files, List<String> trainable)
        implements Serializable {
}
