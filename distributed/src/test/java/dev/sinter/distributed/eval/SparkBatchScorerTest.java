package dev.sinter.distributed.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.distributed.SparkSessions;
import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.LanguageModel.Request;
import dev.sinter.eval.lm.LanguageModel.Rolling;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.lm.SinterLanguageModel;
import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zero-shot tasks and perplexity scored on local[2] equal one process bit for bit (stories260K). */
class SparkBatchScorerTest {
    private static final Path MODEL = TestData.fixture("models/stories260K/stories260K.bin");
    private static TransformerModel model;
    private static Tokenizer tok;
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        SameDiffRuntime.init();
        model = Llama2cCheckpoint.load(MODEL);
        tok = Llama2cTokenizer.load(TestData.fixture("models/stories260K/tok512.bin"));
        spark = SparkSessions.open(DistributedConfig.of("spark", "local[2]", 2, null, null, Map.of()), "eval-test");
    }

    private static SparkBatchScorer workers() {
        return new SparkBatchScorer(spark, MODEL, 2);
    }

    @Test
    void loglikelihoodsAndRollingEqualOneProcessBitForBit() {
        List<Request> requests = new ArrayList<>();
        String[] contexts = {"Once upon a time, there was a", "The cat sat on the ", "", "Lily and Ben went to",
                "She said", "One day, a boy found a ball in the garden. He", "Tom"};
        String[] continuations = {" little girl.", "mat", "Hello world", " the park to play.", " \"yes\"", " smiled",
                " ran home to his mom and dad."};
        for (int i = 0; i < contexts.length; i++) {
            requests.add(new Request(contexts[i], continuations[i]));
        }
        SinterLanguageModel here = new SinterLanguageModel(model, tok, 3);
        SinterLanguageModel there = new SinterLanguageModel(model, tok, 3, workers());
        List<Loglikelihood> a = here.loglikelihood(requests);
        List<Loglikelihood> b = there.loglikelihood(requests);
        assertEquals(a, b, "records compare the doubles bit for bit");

        // longer than max_seq_len (256 for stories260K): several windows each
        String story = String.join(" ", java.util.Collections.nCopies(120, "The dog ran to the park and played."));
        List<String> texts = List.of(story, "Once upon a time.", story.substring(0, 900));
        long[] advanced = new long[1];
        Progress counting = units -> advanced[0] += units;
        List<Rolling> ra = here.loglikelihoodRolling(texts, Progress.NONE);
        List<Rolling> rb = there.loglikelihoodRolling(texts, counting);
        assertEquals(ra, rb);
        assertTrue(ra.get(0).tokens() > model.config().maxSeqLen(), "the story spans several windows");
        assertEquals(ra.stream().mapToLong(r -> (r.tokens() + model.config().maxSeqLen() - 1)
                / model.config().maxSeqLen()).sum(), advanced[0], "progress counts every window once");
    }

    @Test
    void zeroShotTasksAndPerplexityGiveTheSameResults() throws IOException {
        ScorerEquality.zeroShotTasksAndPerplexityMatchOneProcess(tmp, model, tok, workers());
    }
}
