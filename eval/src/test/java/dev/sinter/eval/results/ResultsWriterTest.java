package dev.sinter.eval.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.json has lm-eval's shape, NaN becomes null, and the Tribuo digest is stored with the results. */
class ResultsWriterTest {
    @Test
    void writesLmEvalShapedResultsWithTribuoDigest(@TempDir Path dir) throws IOException {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("acc", 0.5);
        m.put("acc_stderr", Double.NaN);
        m.put("acc_norm", 1.0);
        m.put("acc_norm_stderr", 0.0);
        List<TaskResult.ChoiceOutcome> outcomes = List.of(
                new TaskResult.ChoiceOutcome(List.of("0", "1"), new double[]{-1, -2}, new double[]{-1, -0.5}, 1),
                new TaskResult.ChoiceOutcome(List.of("0", "1"), new double[]{-1, -2}, new double[]{-0.1, -0.5}, 0));
        TaskResult t = new TaskResult("arc_easy", 0, 2376, 2, m, 0.5, List.of(Map.of("doc_id", 0)), outcomes);
        EvalResults r = new EvalResults("stub", Map.of("batch_size", 4), List.of(t), 1.5);
        JsonNode root = Json.read(ResultsWriter.write(r, dir));
        assertEquals(0.5, root.at("/results/arc_easy/acc").asDouble());
        assertTrue(root.at("/results/arc_easy/acc_stderr").isNull());
        assertEquals(0, root.at("/versions/arc_easy").asInt());
        assertEquals(2376, root.at("/n-samples/arc_easy/original").asInt());
        assertEquals(2, root.at("/n-samples/arc_easy/effective").asInt());
        assertEquals(0.5, root.at("/chance/arc_easy").asDouble());
        assertEquals(0.5, root.at("/tribuo/arc_easy/acc/accuracy").asDouble(), 1e-12);
        assertEquals(1.0, root.at("/tribuo/arc_easy/acc_norm/accuracy").asDouble(), 1e-12);
        assertEquals(1.0, root.at("/tribuo/arc_easy/acc/confusion_matrix_gold_to_pred/1/0").asDouble(), 1e-12);
        for (String f : List.of("samples_arc_easy.jsonl", "tribuo_arc_easy.txt", "summary.html", "accuracy.png")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
    }
}
