package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinter train} with a {@code distributed:} section runs through the Sinter facade on two local workers (the
 * default engine for a local master: replicas on threads).
 */
class DistributedTrainTest {
    @TempDir
    Path dir;

    private Outcome train(String name, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", CliHarness.CONFIGS.resolve("quickstart.yaml").toString(),
                "model.name=tiny"));
        args.addAll(CliHarness.quick(dir.resolve("runs"), name, CliHarness.corpus(dir), 2));
        args.addAll(List.of(extra));
        return CliHarness.run(args.toArray(String[]::new));
    }

    @Test
    void trainsOnTwoLocalWorkers() throws IOException {
        Outcome o = train("two", "training.batch_size=4", "distributed={master: \"local[2]\", workers: 2}");
        assertEquals(0, o.code(), o.err());
        List<JsonNode> rows = CliHarness.trainRows(dir.resolve("runs/two"));
        assertEquals(List.of(1L, 2L), rows.stream().map(r -> r.get("step").asLong()).toList());
        assertTrue(rows.stream().allMatch(r -> Double.isFinite(r.get("loss").asDouble())), rows.toString());
    }

    @Test
    void unsupportedTrainerIsAUsageErrorBeforeAnyWork() throws IOException {
        // a plug-in trainer (the trainers test-jar's "norms") has not been checked against one process
        Outcome o = train("norms", "training.batch_size=4", "trainer={type: norms}", "distributed={workers: 2}");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("distributed training supports trainer.type full, lora, smt, kd and mos, not"
                + " 'norms'"), o.err());
    }

    @Test
    void batchThatDoesNotSplitIsAConfigError() throws IOException {
        Outcome o = train("odd", "training.batch_size=6", "distributed={workers: 2}");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("distributed.workers 2 must divide the 3 micro-batches"), o.err());
    }
}
